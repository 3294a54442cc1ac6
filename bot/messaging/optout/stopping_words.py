"""Speaking of stopping: a reminder of the way out, never an opt-out."""

from __future__ import annotations

import re
from collections.abc import Iterator

from bot.messaging.optout.declines import contradicts_stop
from bot.messaging.optout.guards import SOMETHING_ELSE
from bot.messaging.optout.phrasings import asks_outright
from bot.messaging.optout.reversals import takes_it_back, turned_round
from bot.messaging.optout.text import CLAUSE_BREAK, normalise, spelled_out

# --- Speaking of stopping: a reminder, never an opt-out ------------------------
#
# The reader above opts a learner out only when it is sure. A message that uses
# the words of stopping ("ou mèt sispann kounya", "cancel everything") but
# that neither the reader nor NLU took for an opt-out gets its answer and,
# after it, the way out: "If you want no more messages, write STOP." (the
# worker, ``bot.messaging.notices.write_stop_reminder``). A reminder costs one
# short message to a learner who meant something else; a missed opt-out keeps
# someone receiving messages they asked to end. So this list is wide, and only
# the turned-round requests are left out: "no me den de baja", coming back.
_STOPPING_ES = (
    # "para" alone is "for", "pare" alone Creole "ready", "alto" also "tall".
    r"baja|bajen\w*|bajame|desuscrib\w*|desinscrib\w*|desafili\w*|desuscripcion|cancel\w*",
    r"parar|paren|parale|pare (ya|de)|para ya con|detener|detengan|detenga|basta|suficiente",
    r"dejen de|deja de|dejar de|fin a (los|las|mis|sus) (mensajes|lecciones)",
    r"^(ya )?no mas|no mas (mensajes|msjs?|lecciones|clases|sms|whatsapp|notificaciones)",
    r"no (quiero|deseo) mas|no (me )?\w+ mas$|ya no (quiero|deseo|me interesa)",
    r"no (quiero|deseo) (recibir|seguir|continuar)|no me sigan|salirme|me salgo|me retiro",
    r"saquenme|sacame|sacarme|quitenme|quitame|borrenme|retirenme|no (me )?(molesten|moleste)",
    r"desactiv\w*|deshabilit\w*|(apag|cort)\w* (\w+ ){0,2}(mensajes|lecciones|notificaciones|sms)",
    r"(finaliz\w*|terminar) (mi |la )?suscripcion",
    # The guards' development set (2026-12-07): "sálganme del programa", "que me
    # saquen", "no me escriban", "no quiero mensajes", for a relative "no le manden".
    # Not "sáqueme de una duda" (clear up a doubt), "que me saquen el carnet".
    r"salganme|(saqueme|me saquen) (de|del) (la |su |este |ese |esta |esa )?"
    r"(lista|programa|curso|grupo|aqui|esto|eso|todo)",
    r"no me escriban|no (quiero|deseo) (recibir |mas |ningun |sus |tus )?mensajes(?! (de voz|en))",
    r"no le (sigan|manden|envien) (\w+ )?(escribiendo|mandando|mensajes)",
    # A reviewer's (2026-12-07).
    r"no me (envien|manden|mande|envie) (\w+ ){0,2}(clases|lecciones|mensajes|nada)",
)


_STOPPING_EN = (
    r"stop\w*|unsub\w*|unsuscri\w*|quit|quits|quitting|opt ?out|no more|no longer|enough|remove me",
    r"leave me alone|turn (it )?off|switch (it )?off|deactivate|disable|done with|get (me )?out",
    r"(don t|dont|do not|never) (send|text|message|contact|write)|not wanting",
    r"(don t|dont|do not|no|not) (want|need) (any )?more (messages?|lessons?|texts?)",
    r"(don t|dont|do not|no) (want|need) (this|it|them|these|that|the|your|any)( \w+)? "
    r"(any ?more|again|messages?|lessons?|texts?|course)",
    # The guards' development set (2026-12-07).
    r"withdraw me|opt me out|leave me out|comot (me|my number)",
    # Not "my friend will take me out tonight", "take me off pause".
    r"remove (my|this) (number|phone)|take (my|this) number (out|off)|take me off$",
    r"take me (out of|out|off) (the |this |your |ur |that )?(program\w*|course|list|lessons?)",
    r"leav\w* the (program\w*|course|list)",
    # A reviewer's (2026-12-07): "please unenroll me", "I won't be coming back".
    r"unenrol\w*|end my (enrol\w*|subscription|registration)",
    r"(won t|will not|not) be coming back|(i m|i am) not coming back",
)


_STOPPING_FR = (
    r"arret\w*|cesse[rz]?|desabonn\w*|desinscri\w*|annul\w*|quitte[rz]?|retire[rz]?",
    r"plus de (messages?|sms|msgs?|lecons?)|(j?veux?|veut|voudrais|souhaite|desire) (plus|pu|plu)",
    r"(veux|veut) pas (recevoir|de (messages?|sms|lecons?)|continuer)",
    r"m (envoyez|ecrivez|envoie|ecris|contactez) plus",
    r"sort\w* (de|du) (votre |la |ma |ce |cette )?(\w+ )?(liste|programme|cours|groupe)",
    r"assez (de|des) (messages?|sms|msgs?|lecons?)|j en ai assez|marre|laisse[rz]? moi|la paix",
    r"coup\w* (l envoi|les messages)",
    r"^(c est )?fini$",
    # The guards' development set (2026-12-07).
    r"(veux|veut|voulons) aucun (message|sms|msg)\w*|etre (retire|desinscri|desabonne)\w*",
    # A reviewer's (2026-12-07).
    r"(je|j) ne reviendrai (pas|plus)|veux rien recevoir|sort\w* moi (de la liste|du programme)",
)


_STOPPING_HT = (
    # "kite" alone is also "let" ("kite m konnen").
    r"kanpe|sispann?|sipann|dezabon\w*|desabon\w*|dezenskri\w*|dezinskri\w*|anile|anilasyon",
    r"ase|arete|dezaktive|(etenn|koupe) (mesaj|leson|sms|notifikasyon)|kite (kou|pwogram|lis)\w*",
    r"(retire|wete) (m|mwen|non|nimewo)|m soti$|m?pa (vle|bezwen) (\w+ ){0,6}anko",
    # The guards' development set (2026-12-07).
    r"pa vle okenn (mesaj|sms|leson)|soti nan (tout bagay|pwogram|lis|kou a|kou sa)\b",
    r"m?p ap tounen anko",  # "I won't be coming back" (a reviewer's, 2026-12-07)
)


_STOPPING_ANY = (
    # "Who gave you my number?" ("this is spam?" and "not interested" are
    # NLU's faq_what and deny in the training data: no reminder after them).
    r"quien (les|te|le) (dio|paso|dieron|pasaron) (mi|este) numero|"
    r"who gave (you|u|yall|you guys) (my|this) (number|phone|cell)|"
    r"qui (vous|t|te) a donne (mon|ce) numero|"
    r"ki(yes)? (moun )?ki (ba|bay|ban|te ba|te bay|te ban) (nou|ou|w|n) nimewo (m|mwen|sa)",
    r"prefiero (ya )?no (recibir|seguir)|^c (est )?fini$",
)


_STOPPING_WORDS = re.compile(
    r"\b("
    + "|".join(_STOPPING_ES + _STOPPING_EN + _STOPPING_FR + _STOPPING_HT + _STOPPING_ANY)
    + r")\b"
)


def speaks_of_stopping(text: str) -> bool:
    """Whether the message uses the words of stopping, not turned round ("don't stop")."""
    words = spelled_out(normalise(text))
    if not words or takes_it_back(words):
        return False
    if SOMETHING_ELSE.search(words):  # "cancelar un pago", "arrêter une arnaque"
        return False
    return any(_STOPPING_WORDS.search(clause) for clause in _clauses_meant(text))


def asks_to_leave(text: str) -> bool:
    """Whether the message asks in so many words to stop our messages or to leave.

    Narrower than ``speaks_of_stopping``: "me voy pa Venezuela la otra semana, ya
    no me manden nada" does, "I'll be back, stop worrying" does not. The way out
    follows such a message even after an answer that would otherwise settle it
    (nlu/actions/way_out.py): a new time zone, the next lesson, erasure.
    """
    words = spelled_out(normalise(text))
    if not words or takes_it_back(words) or contradicts_stop(text):
        return False
    return any(
        asks_outright(clause) and not _THIS_LESSON_OR_THE_PAUSE.search(clause)
        for clause in _clauses_meant(text)
    )


# A clause about the pause or the lesson at hand leaves that, not the course:
# "sáquenme de la pausa", "I'm done with this one", "ça suffit la pause",
# "no quiero más de esta lección". Only for ``asks_to_leave``: it acts on nothing.
_THIS_LESSON_OR_THE_PAUSE = re.compile(
    r"\b(pausa|pause|poz|this (one|lesson|quiz)|esta (leccion|clase)|este (quiz|tema)|"
    r"cette (lecon|question)|leson sa a|kesyon sa a?)\b"
)


def _clauses_meant(text: str) -> Iterator[str]:
    """The message's clauses as the patterns see them, but those turned round.

    Clause by clause, so that a "no" of its own does not turn round what
    follows: "ya no, dejen de escribir", "no no, stop the messages". A
    generator: the callers stop at the first clause that matches.
    """
    return (
        spelled_out(normalise(clause))
        for clause in CLAUSE_BREAK.split(text)
        if not turned_round(clause)
    )
