"""What else the words of stopping may mean.

A pause or a time of day, erasure of the data, leaving a place or a job,
part of the messages only, stopping something else (a scam, a bank's calls, a
friend's messages), a habit, a new phone, what a word means. The reader
leaves such a message to NLU (``reader``); when NLU reads it as a stop, the
opt-out action declines it (``declines``). Each guard names the examples it
was written from; the requests to stop that must pass them are in
tests/messaging/ (optout_dev, optout_third, optout_guards, optout_review.yml).
"""

from __future__ import annotations

import re

from bot.messaging.optout.phrasings import asks_outright
from bot.messaging.optout.text import CLAUSE_BREAK, normalise, spelled_out

# Contexts in which an opt-out pattern may mean something else; NLU decides.
PAUSE_OR_TIME = re.compile(
    r"\b(pausa|pause|pauser|poz|poze|vacation|vacaciones|vacances|vakans|viaje|voyage|"
    r"vwayaj|vwayaje|travel\w*|trip|week|weeks|semana|semanas|semaine|semaines|semen|dia|dias|day|"
    r"days|jour|jours|jou|month|mois|mwa|until|hasta|jusqu|jiska|today|hoy|jodi|tonight|"
    r"yet|todavia|pas encore|hora|hour|heure|morning|night|manana|noche|tarde|matin|soir|maten|"
    r"aswe|apremidi|pm|later|luego|despues|pita|monday|tuesday|wednesday|thursday|friday|"
    r"saturday|sunday|weekend|lunes|martes|miercoles|jueves|viernes|sabado|domingo|lundi|mardi|"
    r"mercredi|jeudi|vendredi|samedi|dimanche|lendi|madi|mekredi|jedi|vandredi|samdi|dimanch|"
    r"wikenn|mondays|tuesdays|wednesdays|thursdays|fridays|saturdays|sundays|weekends|sabados|"
    r"domingos|samedis|dimanches)\b|\d|\b(por ahora|for now|pour l instant|"
    r"pour le moment|pou kounye a|por el momento|plus tard|pou yon ti tan|yon ti moman|"
    # Spanish "mes" only with an article: French "mes" is "my" ("arrêtez mes messages").
    r"un tiempo|un rato|a while|un moment|un temps|un mes|el mes|este mes|meses)\b"
)


# "You text me even on Sundays" complains of a day; it does not name one for the lessons.
EVEN_ON_A_DAY = re.compile(
    # Not "hasta el lunes" (until Monday).
    r"\b(even|incluso|meme|menm)( \w+){0,2} (mondays?|tuesdays?|wednesdays?|thursdays?|"
    r"fridays?|saturdays?|sundays?|weekends?|lunes|martes|miercoles|jueves|viernes|sabados?|"
    r"domingos?|lundis?|mardis?|mercredis?|jeudis?|vendredis?|samedis?|dimanches?|lendi|madi|"
    r"mekredi|jedi|vandredi|samdi|dimanch|wikenn)\b"
)


# "Good morning" is not a time of day for the lessons.
GREETING = re.compile(
    r"\b(good (morning|afternoon|evening|night)|buen(os|as) (dias|tardes|noches)|buen dia|"
    r"bonjour|bonsoir|bonne (nuit|journee|soiree)|bonjou|bonswa|bon maten|bon apremidi)\b"
)


# The learner's data kept in a system: "borrenme de su base de datos",
# "retirez mon numéro de votre système" ask for erasure (NLU's delete_data,
# which asks to confirm; an opt-out would leave the data in place).
DATA_STORE = re.compile(
    r"\b(base de datos|base de donnees|baz done|database|data base|sistema|systeme|sistem|"
    r"system|(votre|vos|la|su|your) base)\b"
)


# Leaving a place, a job or a school is not leaving the course: "me salgo de
# Panamá", "i quit my job", "je quitte le Panama", "m kite Panama, kounye a m
# Kolonbi" (someone who moved, whose lesson hours NLU's change_timezone fixes).
# A verb of leaving with one of these places leaves the message to NLU, unless
# it also says to stop writing ("stop the messages, I moved to Chile").
_LEAVING_WORDS = (
    r"(quit|quitting|leave|leaving|left|out|salgo|salir|salirme|retiro|retirarme|me voy|"
    r"me fui|quitte|quitter|kite|soti|retire|sali|me sali|renuncie)"
)


ELSEWHERE_WORDS = (
    r"(panama|colombia|colombie|kolonbi|venezuela|venezwela|haiti|ayiti|chile|chili|mexico|"
    r"mexique|meksik|costa rica|kosta rika|brasil|bresil|brezil|brazil|peru|ecuador|equateur|"
    r"cuba|kiba|dominicana|dominikani|santo domingo|estados unidos|eeuu|usa|etats unis|etazini|"
    r"canada|kanada|guatemala|honduras|nicaragua|salvador|argentina|darien|frontera|frontiere|"
    r"fwontye|border|pais|pays|peyi|country|ciudad|ville|city|vil|job|jobs|trabajo|empleo|chamba|"
    r"travail|taf|boulot|travay|djob|work|school|escuela|colegio|ecole|lekol|universidad|"
    r"universite|inivesite|albergue|refugio|shelter|abri|iglesia|church|eglise|legliz)"
)


# The place within a few words after the verb: in "nou fè bon travay men m pa ka
# kontinye, mwen kite pwogram nan" (good work, but I'm leaving the programme)
# the work is ours, and the programme is what is left.
LEFT_FOR_ELSEWHERE = re.compile(r"\b" + _LEAVING_WORDS + r"( \w+){0,4} " + ELSEWHERE_WORDS + r"\b")


# Stopping one kind of message only ("no audios, only text"), or asking for
# more ("... but keep sending me lessons"): NLU decides.
_PART_ONLY = re.compile(
    r"\b(fewer|less|menos|moins|mwens|"
    r"solo|solamente|only|seulement|selman|audios?|videos?|fotos?|imagenes|photos?|images?|"
    r"vocal|vocaux|voice|odyo|foto|but keep|keep the lessons|pero sigan|mais continuez|"
    # Another topic, not no topic: "ese tema no me interesa, mándenme otro".
    r"otro tema|mandenme otro|another (one|topic|lesson)|send another|autre sujet|"
    r"envoyez un autre|lot sije|voye yon lot|"
    r"men kontinye|"
    # Harder lessons, wanted: "stop sending me the easy ones, I want harder lessons"
    # ("the lessons are getting harder, unsubscribe me" is a reason to leave).
    r"(want|quiero|veux|vle|prefer\w*)( \w+){0,3} (harder|more advanced|mas dificil\w*|"
    r"mas avanzad\w*|plus difficiles?|plus avance\w*|pi difisil|pi avanse)|"
    # Fewer in numbers: "too many messages, can I get one a day?", "don't send me
    # so many" (not "un seul message", which is "not a single one").
    r"one a day|every other day|every two days|una al dia|cada (dos|2) dias|"
    r"tous les deux jours|chak de jou|tan seguido|so often|si souvent|twop souvan|"
    r"(voye|send|manden|envoyez|envoyer) (yon sel|un seul|just one|solo uno|uno solo)|"
    r"(pueden|puede|podrian|can you|could you|pouvez|pouvez vous|nou ka|eske nou ka)( \w+){0,2} "
    r"(reducir|reduire|reduce|redwi)|"
    r"(?<!\bno )(?<!\bt )(?<!\bpa )\b(quiero mas|want more|m vle plis)|"
    # One day off: "el sábado no me manden nada…, los otros días sí".
    r"(los )?otros dias si|other days (ok|fine|yes)|autres jours oui|lot jou yo wi|"
    r"(don t|dont|no|ne|pa) (me )?(send|manden|mandes|envoyez|voye)( \w+){0,2} "
    r"(so many|tantos|tantas|tant de|autant de|twop))\b"
)


# Not part but none: "not fewer messages, I want NONE", "ni audios ni textos,
# nada", and "less" about the learner's own phone ("usar menos el celular"):
# these spans are taken out before _PART_ONLY is looked for.
_NONE_AT_ALL = re.compile(
    r"\b(not|no|pas|pa) (quiero |want |veux |vle )?(fewer|less|menos|moins|mwens)\b|"
    # "no tengo ni pa comer, menos pa estudiar": let alone.
    r"\b(mucho )?menos (pa|para) (estudiar|aprender|leer|eso|esto)\b|"
    r"\b(no|don t|dont|pa|ne) (manden|mande|send|voye|envoyez) (fewer|less|menos|moins|mwens)\b|"
    # "no solo los domingos, todos los días", "pas seulement le dimanche".
    r"\b(no|not|pas|pa) (solo|solamente|only|seulement|selman)\b|"
    # Less time on the phone: "pasar menos tiempo en el teléfono".
    r"\b(menos|less|moins|mwens) (tiempo|time|temps|tan)\b|"
    r"\b(ni|no|nor) (audios?|videos?|fotos?|photos?|odyo|vocal\w*|voice\w*) (ni|no|nor) "
    r"(textos?|texts?|textes?|teks|mensajes|messages?|mesaj)\b|"
    r"\b(usar|use|using|utiliser|itilize)( \w+){0,3} (menos|less|moins|mwens)\b|"
    r"\b(menos|moins|less) (usar|utiliser|use|el celular|le telephone)\b|"
    # "Solo quiero darme de baja": only that.
    r"\b(solo|only|seulement) (quiero|want|veux) (darme de baja|desuscribirme|salirme|"
    r"to unsubscribe|to stop|me desabonner|me desinscrire)\b|"
    r"\bi only want (you )?to (stop|unsubscribe)\b|"
    r"\bje veux seulement (me desabonner|arreter)\b|\bdezabone selman\b|"
    # "No quiero reducir, quiero salirme".
    r"\b(no|not|pas|pa)( \w+){0,2} (reducir|reduire|reduce|redwi)\b"
)


# None wanted, said outright: "quiero CERO mensajes", "I want NONE"; unless
# a kind of message is named ("ningún mensaje de voz, solo texto").
_NONE_WANTED = re.compile(
    r"\b(cero|zero|zewo|ningun|ninguno|ninguna|aucun|aucune|okenn|ankenn) "
    r"(mensajes?|messages?|mesaj|msjs?|sms|lecciones|lessons|lecons)\b|"
    r"\b(want|quiero|veux|vle) (none|nada|rien|anyen)\b"
)


_ONE_KIND = re.compile(
    r"\b(solo|solamente|only|just|seulement|selman|audios?|videos?|fotos?|photos?|voz|vocal\w*|"
    r"voice|odyo|textos?|text|texte|textes|teks)\b"
)


def asks_for_part(text: str) -> bool:
    """Fewer messages, one kind only or another topic: not a request to stop them all.

    Clause by clause: in "no, menos mensajes" the "no" stands on its own and
    the learner asks for fewer; in "no quiero menos, no quiero ninguno" none.
    """
    for clause in CLAUSE_BREAK.split(text):
        if _PART_ONLY.search(_NONE_AT_ALL.sub(" ", spelled_out(normalise(clause)))):
            # Whole-message checks only once a clause asks for part: the reader
            # runs on every message, and most ask for no part at all.
            words = spelled_out(normalise(text))
            return not (_NONE_WANTED.search(words) and not _ONE_KIND.search(words))
    return False


# A question about stopping something else, the lessons' own topics: "how do I
# stop a scam", "como hago para que paren (los estafadores)", "kijan pou m kanpe yon vòlè".
HOW = re.compile(
    r"\b(how|como|comment|kijan|kouman|ki jan|what (can|do|should) i|que (puedo|hago|debo)|"
    r"que faire|quoi faire|sa pou m fe|safe|seguro|peligroso|dangerous|dangereux|danjere)\b"
)
# "What is it?", asked of someone else's message ("Orange Money me dit de me
# désabonner d'un service, c'est quoi?"); not with SOMETHING_ELSE, where "what
# is this? stop texting me or I'll call the police" asks to stop.
_WHAT_IS_IT = re.compile(r"\b(c est quoi|que es eso|what is (it|this|that)|sa sa ye|kisa sa ye)\b")


# "How" as a question, for someone else's messages: not "como ya les dije" (as I said).
_HOW_QUESTION = re.compile(
    r"\b(how (do|can|to|does|did|should)|como (hago|hace|hacer|puedo|puede|se|me|le|lo|la|darse|"
    r"salir|salirse|dejar|quitar|cancelar|cancelo|salgo|quito|desactivo|bloqueo)|"
    r"comment (faire|je|on|me|il|elle|desactiver|quitter|bloquer|annuler)|(fait|fais|font) comment|"
    r"ne sait pas comment|(kijan|kouman|ki jan) (pou|m|mwen|yo|l|li|li ka|l ka)|"
    r"no sabe como|doesn t know how|pa konn kijan)\b"
)
# "How are you?" is a greeting, not a question about stopping something.
_HOW_ARE_YOU = re.compile(
    r"\b(how are (you|u)|how r u|como (estas|esta|estan|te va)|comment (ca va|vas tu|allez vous)|"
    r"(kouman|kijan) (ou|w|nou) ye)\b"
)


SOMETHING_ELSE = re.compile(
    r"\b(scam\w*|estaf\w*|arnaque\w*|escroc\w*|eskwo\w*|thief|thieves|ladron\w*|voleur\w*|"
    r"vole|vol|stolen|robad\w*|robo|robaron|someone|somebody|alguien|quelqu un|yon moun|sim|"
    r"swap|mule|fraud\w*|fraude\w*|hack\w*|pirat\w*|payment|pago|paiement|peman|transfer\w*|"
    r"calls|llamadas|appels|apel|card|tarjeta|carte|kat|kob|tranzaksyon|transacci\w*|"
    r"transactions?|lajan|dinero|plata|argent|money|saldo|solde|balans|"
    # Someone else's service: "cómo cancelo Netflix", "that the bank stop calling me".
    r"netflix|spotify|amazon|youtube|tiktok|facebook|instagram|app|apps|aplicacion|application|"
    r"aplikasyon|banco|bank|banque|cobr\w*|charg\w*|llam\w*|calling|call|appel\w*|rele|"
    r"email|e mail|mail|correo|courriel|imel|"
    # Phone settings, ads, a habit: "cómo desactivo la ubicación", "sispann fimen".
    r"ubicacion|localizacion|localisation|lokalizasyon|location|gps|publicidad|anuncios|"
    r"publicite|piblisite|ads|fumar|fumer|fimen|smoking)\b"
)


# A habit of the learner's own: "m ap eseye sispann fimen", "quiero dejar de
# fumar", "I want to stop drinking, how do I say that in Spanish?". Not
# spending: "dejen de gastar mi saldo" is a complaint about our messages.
HABIT = re.compile(
    r"\b(fumar|fumer|fimen|smoking|smoke|cigarr\w*|cigarett\w*|sigaret\w*|"
    r"beber|bebiendo|alcohol|alcool|alkol|boire|bwe|drinking|drink|"
    r"apostar|apuestas?|gambling|gamble|jwe aza|casino|addiction|adiccion|adiksyon|"
    # The lottery when played, not sold ("vendo lotería en la calle").
    r"(jugar|juego|jouer|joue|jwe|play\w*) (a |al |la |au |du |the )?(loto|lotto|loteria|lottery|"
    r"bolet|borlette)|"
    # Spending money, not our messages' cost ("dejen de gastar mi saldo" complains of us).
    r"gastar (tanta |tanto |mucha |mucho |menos )?(plata|dinero)|spending (so much )?money|"
    r"depenser (autant d |trop d )?argent|depanse (twop )?lajan)\b"
)


# Calls: lessonbot never calls ("I want to stop getting calls from the bank").
CALLS = re.compile(r"\b(calls|llamadas|appels|apel yo)\b")
# A new phone or number: "dejé de recibir las lecciones cuando cambié de cel,
# mándenlas a este número", "m sispann resevwa leson yo depi m chanje telefòn".
NEW_PHONE = re.compile(
    r"\b(cambie (de |mi )?(cel|celular|telefono|numero|chip)|chanje (telefon|nimewo|numero|chip)|"
    r"changed (my )?(phone|number)|change de (telephone|numero|tel|portable|puce)|"
    r"new (phone|number)|nuevo (numero|celular|telefono)|nouveau (numero|telephone)|"
    r"numero nuevo|nimewo nouvo|numero viejo|old number|ancien numero|ansyen nimewo|"
    r"actualic\w* (mi )?numero|update my number|"
    r"nouvo (nimewo|telefon))\b"
)


# With a "how": a friend's messages ("my friend wants to stop getting them but
# doesn't know how"), WhatsApp groups that add the learner, another sender
# ("Tigo voye m mesaj pou m dezabone nan yon jwèt, kijan?"), an appointment.
# Not in SOMETHING_ELSE, which also silences the way out: "my friend told me,
# stop" still gets it.
_SOMEONE_ELSES = re.compile(
    # Someone of the learner's who wants or asks: "mi amiga quiere…", "zanmi m
    # vle…" (not "mi amigo, ¿cómo me doy de baja?", said to us).
    r"\b((mi|my|mon|ma) (amig[oa]s?|friends?|amie?s?|vecin[oa]|neighbou?r|voisine?|"
    r"herman[oa]|sister|brother|soeur|frere)|(zanmi|vwazin|vwazen|fre) (m|mwen))( \w+){0,2} "
    r"(quiere|quisiera|wants?|would like|asked|asks|pregunt\w*|veut|voudrait|demande\w*|vle|"
    r"mande)\b|"
    # WhatsApp groups that add the learner, in the plural: "saquenme del grupo"
    # may mean our list.
    r"\b(whatsapp groups|grupos de whatsapp|groupes (de )?whatsapp|gwoup whatsapp yo|"
    r"groups that|grupos que|groupes ou)\b|"
    # Another sender: a phone company, a wallet, a game; an appointment at the hospital.
    r"\b(orange money|tigo|digicel|natcom|movistar|mas movil|yappy|nequi|western union|"
    r"juego|jeu|jwet|game|appointment|cita|rendez vous|randevou|hospital|hopital|lopital)\b"
)


def how_to_stop_something_else(words: str) -> bool:
    """A question about stopping a scam, a bank's calls, an app."""
    return bool(HOW.search(words) and SOMETHING_ELSE.search(words))


def how_to_stop_someone_elses(text: str) -> bool:
    """How a friend's, a WhatsApp group's or another sender's messages stop: "mi amiga
    quiere dejar de recibir sus mensajes pero no sabe cómo"."""
    words = spelled_out(normalise(text))
    question = _HOW_QUESTION.search(_HOW_ARE_YOU.sub(" ", words)) or _WHAT_IS_IT.search(words)
    if not (question and _SOMEONE_ELSES.search(words)):
        return False
    # The learner's own request in a clause of its own outweighs the question:
    # "My friend asked me how I signed up, but I want to unsubscribe"; not
    # "zanmi m vle dezabone men mwen menm m ap kontinye, kijan l ap fè?".
    for clause in CLAUSE_BREAK.split(text):
        clause_words = spelled_out(normalise(clause))
        if asks_outright(clause_words, keywords=False) and not _SOMEONE_ELSES.search(clause_words):
            return False
    return True


# What a word means or how to say it, the word being "stop" or "unsubscribe":
# "what does unsubscribe mean in Spanish?", "je veux quitter mon patron, comment
# dire ça en espagnol?", and "if I type STOP, will it remove me?" (asking).
_ABOUT_A_WORD = re.compile(
    r"\b(que significa|que quiere decir|que veut dire|(ca|cela|ce mot) se traduit|"
    r"c est comme (stop|arret\w*)|como (se )?traduzco|how (do i|to) translate|comment traduire|"
    r"kijan pou m tradui)\b|"
    # "Is 'dejar de' the same as stop?", "'dejar de' se menm bagay ak sispann?".
    r"\b(is|es|c est|est ce|se)( \w+){0,3} (the same( thing)? as|lo mismo que|la meme chose que|"
    r"pareil que|menm bagay ak)\b|"
    r"\b(what does|kisa)( \w+){0,3} (mean|vle di)\b|\b(how do you say|como se dice|"
    r"comment on dit|comment dit on|kijan yo di|kijan ou di|veut dire quoi|what that mean\w*)\b|"
    # "How to tell my son…, in Spanish?": "I don't know how to tell you this, but
    # unsubscribe me" is a polite opener.
    r"\b(what is|what s|how do i say|how to tell|how do i tell|how (do i|to) ask|como digo|"
    r"como le digo|como pregunto|comment dire|comment demander|kijan pou m di|kijan pou m mande)"
    r"( \w+){0,10} (in|en|an) (spanish|english|espanol|ingles|"
    r"espagnol|anglais|panyol|angle)\b"
)


# What the keyword would do: "if I type STOP, will it remove me from everything?".
_IF_I_TYPE_STOP = re.compile(
    r"\b(if i (type|write|send|text)|si (escribo|pongo|mando|envio)|si (j ecris|je tape|j envoie)|"
    r"si m (ekri|tape|voye))( \w+){0,2} (stop|baja|arret\w*|kanpe|sispann)\b"
)


def asks_about_a_word(words: str) -> bool:
    """A question about a word ("what does unsubscribe mean?") or what a keyword would do.

    A word's meaning gives way when the message also asks outright without
    that word ("no sé cómo se dice, pero denme de baja"); what STOP would do
    does not: "if I type STOP will it remove me?" is a question.
    """
    if _IF_I_TYPE_STOP.search(words):
        return True
    return _ABOUT_A_WORD.search(words) is not None and not asks_outright(words, keywords=False)
