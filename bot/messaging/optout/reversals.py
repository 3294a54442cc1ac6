"""A stop turned round or taken back.

A negation before the opt-out verb in the same clause ("no quiero darme de
baja", "pa kanpe"), a mistake ("me di de baja sin querer"), an opt-out undone
or regretted, an earlier opt-out ("je m'étais désabonné"), and wanting the
messages again ("no, keep sending, I was joking"), each with what keeps a
complaint or a threat a request to stop ("sispann voye mesaj ban m ankò",
"you still send").
"""

from __future__ import annotations

import re

from bot.messaging.optout.guards import ELSEWHERE_WORDS
from bot.messaging.optout.phrasings import asks_outright
from bot.messaging.optout.text import CLAUSE_BREAK, normalise, spelled_out

# A mistake, undoing an opt-out, or coming back after one: "me di de baja sin
# querer", "quitar la baja", "deshagan el stop", "je regrette de m'être
# désabonné, je veux revenir", "m te anile abònman m, m vle abòne ankò".
_REVERSAL = re.compile(
    r"\b(estar|estoy|quitar|quita|quiten|quitenme) (de |la )?baja\b|"
    r"\b(mistake|accident|accidentally|error|erreur|expres|aksidan)\b|\bpa ere\b|"
    # "me di de baja sin querer"; not "sin querer molestar" (without wishing to bother).
    r"\bquerer\b(?! (molestar|ofender|ser))|"
    # Regretting the stop itself: "i regret unsubscribing" ("I regret joining, stop" stops).
    r"\b(regret\w*|arrepenti\w*|arrepiento|regrete) ((having|that|i|to|de|darme|me|haber|d|"
    r"avoir|m|etre|te|mwen|ke) ){0,3}(unsub\w*|stop\w*|quit\w*|"
    r"leav\w*|opt\w*|cancel\w*|baja|salir\w*|desabonn?\w*|dezabon\w*|kite|kanpe)|"
    r"\bundo\b|"
    r"\bturn (\w+ )?(back )?on\b|"
    r"\b(activ|aktive)\w* (\w+ )?(de nuevo|otra vez|again|anko|a nouveau)\b|"
    r"\b(revenir|come back|resubscribe|reabonn\w*|reinscri\w*|retounen|abone anko)\b|"
    r"\b(reactiv\w*|reaktive|remet\w* en marche)\b|\bwhere i (stop|stopped|left)\b|"
    # "là où on s'était arrêté": where the learner had got to.
    r"\b(s|m) (etait|etais|etions|est|suis) arret\w*|"
    r"\b(deshacer|deshagan|deshaga|deshaz)\b|"
    r"\bannul\w* (le |la |mon )?(desabonn?|desinscri)|\banile (dezabon|desabon)|"
    r"\bcancel\w* (the |my )?unsubscri|"
    r"\b(anile|annul\w*|cancel\w*|undo|deshacer) (the |la |le |a |mon |my |mi )?"
    r"(kanpe|stop|arret\w*|baja|desabonn\w*|dezabon\w*|unsubscri\w*)|"
    # Fourth blind set (2026-12-07): wanting the messages again, after an
    # opt-out. Not "after" an opt-out alone: "still getting texts after I
    # unsubscribed" is a complaint, and a request to stop.
    r"\b(je|j) (veux|voudrais|souhaite) recevoir (\w+ ){0,2}"
    r"(encore|a nouveau|de nouveau)\b|"
    r"\b(commencer|recommencer|repartir) (a nouveau|de nouveau|de zero)\b|"
    r"(?<!\bpa )(?<!\bpap )\bdisponib(le)? anko\b|\b(ann|an|nou ka|ou ka) (reprann|rekomanse)\b"
)


# An opt-out in the past ("je m'étais désabonné", "m te dezabone"): a return,
# unless the messages still come ("I unsubscribed last month and you still send").
_PAST_OPT_OUT = re.compile(
    r"\b(suis|etais|etait|avait|avais|m avait|m a) (desabonn?|desinscri)|"
    r"\bte (dezabon|desabon|kite|kanpe|retire|anile|dezaktive|arete)|"
    r"\b(avais|avait) fait stop\b|\bhabia dado de baja\b"
)


# Wanting the messages again or more of them (2026-12-07). Counted only when
# nothing in the message asks to stop, since the same words serve a complaint
# or a threat: "sispann voye mesaj ban m ankò", "keep texting me and I will
# report you".
_WANTS_THEM_AGAIN = re.compile(
    # "no, keep sending, I was joking", "non, continuez"; not "y'all keep
    # texting" (a complaint), nor "no me sigan escribiendo", "pa kontinye voye".
    r"(^|\b(no|nah|please|pls|plz|just|ok|okay) )keep (sending|texting|them coming)\b|"
    r"(^|\b(si|porfa|por favor|xfa) )sigan (mandando|enviando|escribiendo)\b|"
    r"(?<!\bvous )(?<!\bvs )(?<!\bpourquoi )\bcontinuez (a |d )?(m )?(envoyer|ecrire)\b|"
    r"\bnon continuez\b(?! pas)|"
    r"(?<!\bnou )(?<!\bou )(?<!\bw )(?<!\byo )(?<!\btoujou )(?<!\bap )(?<!\bpa )"
    r"\bkontinye (voye|ekri)\b|\bnon kontinye\b|"
    # Wanting the messages again: "quiero volver a recibir las lecciones".
    r"(?<!\bno )(?<!\bt )(?<!\bdont )(?<!\bne )(?<!\bpa )"
    r"\b(quiero|want to|i d like to|veux|voudrais|vle) (volver a|start|recommencer a|komanse|"
    r"rekomanse) (recibir|getting|receiving|recevoir|resevwa)\b|"
    r"(?<!\bno )(?<!\bt )(?<!\bdont )(?<!\bne )(?<!\bpa )"
    r"\b(quiero|want to|veux|vle) (start|empezar|recommencer|rekomanse) "
    r"(again|de nuevo|otra vez|anko)\b|"
    # Back, and asking for the lessons: "I'm back, start sending me the lessons again".
    r"(^|\b(please|pls|can you|could you|puede|pueden) )start sending\b|\brenvoyez moi\b|"
    r"^(ya )?(volvi|i m back|je suis de retour)\b(?! a (recibir|tener|llegar))|"
    r"(?<!\bpa )(?<!\bjanm )(?<!\bnou )(?<!\bou )(?<!\bw )(?<!\byo )\bvoye (\w+ ){1,3}ban m anko\b|"
    # Not wanting to lose them: "no quiero perder las lecciones".
    r"\b(no quiero|don t want to|dont want to|je ne veux pas|m pa vle) (perder|lose|perdre|pedi)\b|"
    # Asking for more: "sen more", "voye plis".
    r"(?<!\bt )(?<!\bdont )(?<!\bnot )(?<!\bno )(?<!\bnever )(?<!\bto )(?<!\bu )(?<!\bever )"
    r"\b(send more|sen more)\b|(?<!\bpa )\bvoye plis\b"
)


_STOP_VERB = re.compile(
    # Not "mi cyaan stop laugh" (I can't stop laughing).
    r"(?<!\bcyaan )(?<!\bcan t )(?<!\bcant )(?<!\bcannot )"
    r"\b(stop\w*|sispann?|kanpe|pinga|arret\w*|paren|basta|dejen de|deja de|unsub\w*|baja|"
    r"desabonn?\w*|dezabon\w*|cancel\w*|quit|pa bezwen|pa janm)\b"
)


_THREAT = re.compile(
    r"\b(report|denunci\w*|denonc\w*|denonse|police|policia|polis|lawyer|abogado|avocat|avoka)\b"
)


# Coming back some day does not turn a stop round: "if I ever want to come
# back I'll write, but for now remove me", "si un jour je veux revenir…,
# retirez-moi". These spans are taken out before _REVERSAL is looked for.
_SOME_DAY_BACK_VERBS = (
    r"(revenir|reviendrai|come back|coming back|retounen|reinscri\w*|resubscribe\w*|reabonn\w*|"
    r"empezar de nuevo|volver a recibir|recommencer|rekomanse|start again)"
)


_SOME_DAY_BACK = re.compile(
    r"\b(if|si (quiero|je|j|un jour|m|mwen|yon jou)|un jour|one day|someday|some day|"
    r"algun dia|yon jou|next year|l an prochain|l annee prochaine|el ano que viene|ane pwochen|"
    r"later|plus tard|mas tarde|pita)( \w+){0,5} " + _SOME_DAY_BACK_VERBS + r"\b|"
    r"\b" + _SOME_DAY_BACK_VERBS + r"( \w+){0,3} "
    r"(plus tard|later|luego|mas tarde|pita|un jour|one day|someday|next year)\b"
)


# Going back to a place is not coming back to the course: "m ap retounen Ayiti".
_GOING_HOME = re.compile(
    r"\b(retounen|retourne\w*|rentre\w*|go back|going back|come back|coming back|revenir|"
    r"regreso|vuelvo|volver|volvi|i m back|de retour)( \w+){0,3} "
    r"(" + ELSEWHERE_WORDS + r"|lakay|home|casa|chez moi)\b"
)
# Asking whether one can come back: "if I unsubscribe, can I come back?",
# "si me doy de baja, ¿puedo volver a recibir las lecciones?".
_CAN_I_COME_BACK = re.compile(
    r"\b(can i|could i|puedo|podria|podre|je peux|je pourrai|pourrai je|m ka|mwen ka)( \w+){0,2} "
    r"(come back|volver|regresar|revenir|retounen|resubscribe|reinscri\w*|reabonn\w*)\b"
)
# "Creo que hay un error, yo nunca me inscribí": the error is ours, not a stop undone.
_NEVER_SIGNED_UP = re.compile(
    r"\b(never signed up|nunca me inscribi|jamais inscrit|pa t janm enskri|m pa t enskri)\b"
)


# "I unsubscribed last month and you still send": a past opt-out, not undone.
_STILL_SENDING = re.compile(
    r"\b(envoyez toujours|still (send|text|get|receiv|writ|messag)\w*|"
    r"(you|u|yall|all|they) keep (sending|texting)|siguen (mandando|enviando|escribiendo|llegando)|"
    r"vous continuez (a|d) (m )?(envoyer|ecrire)|"
    r"ap voye toujou|toujou ap voye|(nou|n ap) kontinye voye)\b"
)


def takes_it_back(words: str) -> bool:
    """A mistake, an undone opt-out or a return now (not some day, not to a place)."""
    if _CAN_I_COME_BACK.search(words):
        return True
    left = _GOING_HOME.sub(" ", _SOME_DAY_BACK.sub(" ", words))
    if _REVERSAL.search(left) and not _NEVER_SIGNED_UP.search(words):
        return True
    if _PAST_OPT_OUT.search(left) and not _STILL_SENDING.search(words):
        return True
    return bool(_WANTS_THEM_AGAIN.search(left)) and not (
        _STOP_VERB.search(words) or _THREAT.search(words) or asks_outright(words)
    )


# A negation just before an opt-out verb turns it round: "no quiero darme de
# baja", "don't unsubscribe me", "je ne veux pas arrêter", "pa kanpe".
_NEGATED_VERB = re.compile(
    r"\b(no|not|don t|dont|do not|didn t|didnt|did not|never|nunca|ne|n|pas|pa)"
    r"( (quiero|queria|deseo|me|te|nos|lo|want|wanted|wanna|mean|meant|to|please|veux|voulais|"
    r"voulez|pas|vle|t|m|mwen|janm)){0,3} "
    r"(stop|stopping|unsubscribe|quit|quitting|cancel\w*|(des|den|dar|darme) de baja|parar|"
    r"dejar|dejes|dejen|"
    r"pares|paren|salir|saquen|retires|arret\w*|desabonn?\w*|desinscri\w*|quitter|retirez|remove|"
    r"enlev\w*|wete|"
    # "kite" but not "let us / them" ("yo pa kite nou sèvi ak telefòn").
    r"kanpe|sispann|dezabon\w*|kite(?! (nou|yo|li|n) )|retire|deactivate|disable|desactiv\w*|"
    r"dezaktive|arete|discontinue)\b"
)


def turned_round(text: str) -> bool:
    """A negation before an opt-out verb in the same clause: "no quiero darme de baja".

    Clause by clause, so that "No, quiero darme de baja" and "ya no quiero,
    arrêtez" are not read as turned round by a "no" that stands on its own.
    """
    for clause in CLAUSE_BREAK.split(text):
        words = spelled_out(normalise(clause))
        if _NEGATED_VERB.search(words) and not _negation_is_the_request(
            words, praised=_PRAISE.search(spelled_out(normalise(text))) is not None
        ):
            return True
    return False


# "You guys never stop sending me lessons, I love it": praise, not a complaint.
_PRAISE = re.compile(
    r"\b(love|i like|me encanta|me gusta|j adore|j aime|m renmen|renmen|mesi|merci|thank\w*|"
    r"gracias|great|genial|super|bon leson)\b"
)


def _negation_is_the_request(words: str, *, praised: bool) -> bool:
    """Negations that ask for the stop ("no more", "ne ... plus", "pa ... ankò")."""
    return bool(
        re.search(r"\b(no (more|mas)|ne \w+ plus|ne plus|plus de|pa \w+( \w+)* anko)\b", words)
        # "you never stop texting", "nou pa janm sispann ekri", "vous n'arrêtez
        # jamais": a complaint about us, which asks for the stop.
        or (
            re.search(r"\b(you|u|nou|ou)( \w+)? (never|pa janm) (stop|sispann|kanpe)", words)
            and not praised
        )
        or re.search(r"\b(vous|tu) n (arret\w*|cesse\w*)( \w+)? jamais\b", words)
        # "Poukisa nou pa sispann voye mesaj yo?", "why don't you stop?".
        or re.search(
            r"\b(poukisa|why|por que|porque|pourquoi) (nou|you|u|ustedes|vous)( \w+)? "
            r"(pa|don t|dont|no|n|ne) (sispann|kanpe|stop|paran|dejan|arret\w*)",
            words,
        )
    )
