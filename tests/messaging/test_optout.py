"""The opt-out safety net: requests to stop in four languages, and the near misses it must leave."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.messaging.keywords import asks_to_stop
from bot.messaging.optout import contradicts_stop, is_opt_out, normalise, speaks_of_stopping
from nlu.actions.way_out import SETTLED_BY_THEIR_ANSWER, reminded
from scripts import nlu_examples


@pytest.mark.parametrize(
    "text",
    [
        # Keywords, alone or with politeness, in any case, with or without accents.
        "STOP",
        "Stop!!!",
        "stoooop",
        "baja porfa",
        "ARRÊT SVP",
        "kanpe tanpri",
        "no, STOP",
        "Unsubscribe",
        # Spanish
        "quiero darme de baja ya",
        "como me doy de baja?",
        "por favor dejen de enviarme mensajes",
        "no me manden nada mas",
        "ya no quiero recibir sus lecciones",
        "no mas mensajes gracias",
        "saquenme de la lista",
        "estoy harta de tantos mensajes",
        "ya no me interesa",
        # English
        "please unsubscribe me",
        "stop texting me",
        "i don't want any more messages",
        "no more texts please",
        "take me off this list",
        "i no longer want these",
        "i'm sick of these messages",
        "i dont wanna continue",
        "these are too many texts, stop",
        # French
        "désabonnez-moi svp",
        "arrêtez de m'envoyer des messages",
        "je ne veux plus rien recevoir",
        "ne m'écrivez plus",
        "laissez-moi tranquille",
        "j'en ai marre de ces sms",
        "plus de messages svp",
        # Haitian Creole
        "mwen pa vle resevwa mesaj ankò",
        "m pa vle mesaj ankò",
        "pa voye m anyen ankò souple",
        "sispann voye mesaj ban mwen",
        "retire m nan lis la",
        "m vle dezabòne",
        "m pa enterese ankò",
        # Questions on how to stop, and ways of saying "I am done with this".
        "how can i unsubscribe from this?",
        "que mando para que paren los mensajes",
        "comment faire pour ne plus rien recevoir",
        "kijan pou m fè pou m pa resevwa leson ankò",
        "i've had enough, bye",
        "ya no quiero formar parte del programa",
        "je ne souhaite plus recevoir de sms",
        "m pa vle fè pati pwogram nan ankò",
        # Erasure and a stop in one message: the stop is not left to NLU.
        "borren mi numero de su sistema y dejen de escribirme",
        "arrêtez mes messages",  # French "mes" is "my", not the Spanish month
        # Switching the messages off, a typo of STOP, "no more, full stop".
        "please turn off these messages",
        "desactiven mis notificaciones",
        "désactivez les sms svp",
        "dezaktive leson yo",
        "sotp",
        "i would like to be taken off",
        "ya no quiero nada mas, punto",
        "laissez mon numéro en paix",
        "m fini ak leson yo, pa voye anyen ankò",
        # A move or a job named beside a plain request to stop.
        "stop the messages, I moved to Chile",
        "dejen de escribirme, ya me fui de Panamá",
        "unsubscribe, this doesn't work",
        "je quitte le programme",
        "m kite",
        # Forms the second blind set (nlu/tests/second_blind) showed missing.
        "unsuscribe me",
        "please stop, enough",
        "I not wanting these texts",
        "stop all the msgs",
        "mi nuh want no more message",
        "pls dnt text me again",
        "dont text this number anymore",
        "nimewo sa pa bezwen mesaj nou yo ankò",
        "don't ever message me again",
        "i wish to discontinue my subscription",
        "ya me canse, no me sigan escribiendo",
        "para ya de escribirme",
        "no quiero mas clases",
        "BASTA YA NO MAS",
        "no quiero volver a recibir mensajes",
        "arret definitif des messages",
        "c'est fini pour moi",
        "désabonement",
        "mettez fin a ma formation",
        "arete tanpri",
        "kanpe la",
        "retire nimewo m sou lis la",
        "mete m deyò lis la",
        "m pa bezwen ou ankò",
        "m pa vle janm resevwa mesaj ankò",
        "pa voye leson sa yo ankò",
        "leson yo pa enterese m ankò",
        "sispann ekri m mesaj",
        # Regret of something else does not turn the request round.
        "i regret joining this, unsubscribe me",
        # A "no" in a clause of its own does not turn the request round.
        "No, quiero darme de baja",
        "ya no quiero, arrêtez svp",
        # Emoji, words typed together.
        "🛑🛑 no más 🙅‍♀️",
        "nomasmensajes",
        "mpavleanko",
        # Complaints that the messages were never wanted.
        "I never signed up for this",
        "mwen pa t janm enskri pou sa",
        "gracias x las clases pero no tengo tiempo, me pueden sacar?",
    ],
)
def test_requests_to_stop_are_opt_outs(text: str) -> None:
    assert is_opt_out(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "hola",
        "next",
        "no",
        "no gracias",
        "no me interesa",  # consent declined: deny, not an opt-out of a course not started
        # Negated opt-outs.
        "no quiero darme de baja",
        "no me des de baja",
        "no pares las lecciones",
        "i don't want to stop",
        "don't unsubscribe me",
        "je ne veux pas arrêter",
        "n'arrêtez pas",
        "m pa vle kanpe",
        "pa kanpe leson yo",
        # Coming back.
        "me di de baja por error, quiero volver",
        "i unsubscribed by mistake",
        "je me suis désabonné, je veux revenir",
        "m te dezabòne, m vle tounen",
        "undo unsubscribe",
        "quitar la baja",
        "quiero volver a recibir mensajes",
        # A pause, a time, a day.
        "stop for a week",
        "no me manden nada esta semana",
        "no lessons until monday",
        "arrêtez pendant les vacances",
        "kanpe yon semèn",
        "stop sending at 7am, send at 9",
        "no me manden mensajes en la noche",
        "stop the pause",
        # Other intents that share words with opt-outs.
        "borrar mis datos",
        "delete my data",
        "i need help",
        "m pa konprann",
        "je veux plus de leçons",  # ambiguous in French: left to NLU
        "para que sirve esto",
        "quiero salir del pais",
        "borrenme los datos",  # erasure, which asks for confirmation
        "i didn't mean to unsubscribe",
        "anile kanpe a",
        "no queria darme de baja",
        # "No more" or "I'm out" at the end of a longer message is not an opt-out.
        "do you have no more?",
        "sorry, can't answer now, I'm out",
        # Coming back after an opt-out, in the words of someone who did it.
        "ya no estoy de baja, mándenme las lecciones",
        "deshagan mi baja por favor",
        "ma fille m'avait désabonnée, je veux revenir",
        "m te anile, kounye a m vle abòne ankò",
        # Erasure from the bot's system: NLU's delete_data, which asks to confirm.
        "quiten mi numero de su base de datos",
        "remove me from your database",
        "efase m nan sistèm nan",
        # A while is a pause.
        "kanpe leson yo pou yon ti tan",
        "paren los mensajes por un tiempo",
        "stop the messages for a while",
        "no me manden nada por un mes",
        "reactiven mis mensajes, me habia dado de baja",
        "continue where i stopped",
        "don't deactivate my lessons",
        "i had turned the messages off, turn them back on",
        "m te dezaktive leson yo, aktive yo ankò",
        # Done with this one lesson (the next may be wanted).
        "m fini ak leson sa a",
        # Leaving a country, a job or a school, not the course.
        "m kite Panama, kounye a m Kolonbi",
        "me salgo de Panamá la otra semana",
        "me retiro a Colombia",
        "i quit my job",
        "I left Panama, I'm in Costa Rica now",
        "je quitte mon travail",
        "je vais quitter le pays",
        "m vle kite peyi a",
        # Coming back, done with one lesson, a question about money.
        "i regret unsubscribing, add me back",
        "je reprends là où je m'étais arrêté",
        "i'm done with this one, send the next",
        "supprimez mon numéro de votre base",
        "eske y ap retire lajan sou kat mwen",
        "please stop the music in the video",
        "m pa bezwen sa ankò, m konprann",
        "nimewo sa pa bezwen leson sa a ankò, voye lòt la",
        # A negation in the request's own clause still turns it round.
        "no, no quiero darme de baja",
        # A bare "no quiero" answers a question; someone else's service; erasure.
        "no quiero",
        "how do I cancel my Netflix subscription",
        "pueden borrar mi nombre y mi teléfono",
        # Fewer messages, praise, a complaint that nothing came, a past tense.
        "no me manden todos los dias",
        "super leçon, j'en veux plus !",
        "si me siguen mandando lecciones así voy a aprender mucho",
        "porque me siguen mandando lecciones muy buenas",
        "poukisa ou pa voye m anyen",
        "saqué mi celular y vi el mensaje",
        "¿pueden sacar otra lección?",
        "te dije que no me llegó la lección",
        "m pa enskri, kijan pou m enskri?",
    ],
)
def test_near_misses_are_left_to_nlu(text: str) -> None:
    assert not is_opt_out(text)


def test_normalise_drops_case_accents_punctuation_and_stretched_letters() -> None:
    assert normalise("¡¡ARRÊTEZ, s'il vous plaît!!") == "arretez s il vous plait"
    assert normalise("Bajaaaa   YA") == "baja ya"
    assert normalise("🛑 no más 🙅‍♀️ + msjs") == "no mas + msjs"


def test_no_other_intent_of_the_training_data_or_dev_split_is_taken_for_an_opt_out() -> None:
    dev = next(s for s in nlu_examples.TEST_SETS if s.name == "dev")
    examples = nlu_examples.training_examples() + nlu_examples.set_examples(dev)
    taken = [(e.intent, e.text) for e in examples if e.intent != "stop" and is_opt_out(e.text)]
    assert taken == []


# A development set written blind by a second author (tests/messaging/optout_dev/):
# its first run found 49 requests to stop the reader missed and 9 near misses it
# took, and the patterns were widened from them. It is tuned on now, so it is not
# a measure; the final held-out opt-out sets (nlu/tests/final/optout) are.
OPTOUT_DEV = Path(__file__).parent / "optout_dev"


def _examples_in(folder: Path, kind: str) -> list[tuple[str, str]]:
    """(language, text) of one list (``stop``, ``not_stop``...) of a folder's language files."""
    return [
        (path.stem, str(text))
        for path in sorted(folder.glob("*.yml"))
        for text in yaml.safe_load(path.read_text(encoding="utf-8")).get(kind) or []
    ]


def _dev_examples(kind: str) -> list[tuple[str, str]]:
    return _examples_in(OPTOUT_DEV, kind)


@pytest.mark.parametrize(("language", "text"), _dev_examples("stop"))
def test_every_request_to_stop_of_the_development_set_is_an_opt_out(
    language: str, text: str
) -> None:
    assert asks_to_stop(text)


@pytest.mark.parametrize(
    ("language", "text"), _dev_examples("not_stop") + _dev_examples("ambiguous")
)
def test_the_development_sets_near_misses_and_ambiguous_requests_are_left_to_nlu(
    language: str, text: str
) -> None:
    assert not asks_to_stop(text)


def test_the_development_set_is_large_enough_in_every_language() -> None:
    for language in ("es", "en", "fr", "ht"):
        stop = [text for lang, text in _dev_examples("stop") if lang == language]
        near = [text for lang, text in _dev_examples("not_stop") if lang == language]
        assert len(stop) >= 60 and len(near) >= 40, language


# The third development set (tests/messaging/optout_third/, 2026-12-07): written
# blind by a fourth author aiming at what keyword lists miss (complaints, someone
# else's phone, long messages, words typed together). The reader read 168 of its
# 280 requests and took 9 of its 200 near misses; widened from them, it reads
# all but those the file leaves to NLU, and takes none of the near misses.
OPTOUT_THIRD = Path(__file__).parent / "optout_third"


def _third_examples(kind: str) -> list[tuple[str, str]]:
    return _examples_in(OPTOUT_THIRD, kind)


@pytest.mark.parametrize(("language", "text"), _third_examples("stop"))
def test_every_request_to_stop_of_the_third_set_is_an_opt_out(language: str, text: str) -> None:
    assert asks_to_stop(text)


@pytest.mark.parametrize(
    ("language", "text"),
    _third_examples("not_stop") + _third_examples("ambiguous") + _third_examples("left_to_nlu"),
)
def test_the_third_sets_near_misses_and_what_it_leaves_to_nlu_are_not_read(
    language: str, text: str
) -> None:
    assert not asks_to_stop(text)


def test_the_third_set_leaves_few_requests_to_nlu_in_every_language() -> None:
    for language in ("es", "en", "fr", "ht"):
        stop = [text for lang, text in _third_examples("stop") if lang == language]
        left = [text for lang, text in _third_examples("left_to_nlu") if lang == language]
        near = [text for lang, text in _third_examples("not_stop") if lang == language]
        assert len(stop) + len(left) == 70 and len(left) <= 8 and len(near) == 50, language


# The guards' development set (tests/messaging/optout_guards/, 2026-12-07): four
# authors wrote requests to stop that also touch what the opt-out action's guards
# look for, and near misses of those kinds. At c9de173 the action declined 16, 34,
# 10 and 8 of their 180, 160, 160 and 160 requests (had NLU read them as stop),
# and the reader took 3, 14, 11 and 11 of their 60, 100, 120 and 120 near misses.
OPTOUT_GUARDS = Path(__file__).parent / "optout_guards"


def _guard_examples(kind: str) -> list[tuple[str, str]]:
    return _examples_in(OPTOUT_GUARDS, kind)


@pytest.mark.parametrize(("language", "text"), _guard_examples("stop"))
def test_no_request_to_stop_of_the_guard_set_is_declined(language: str, text: str) -> None:
    assert not contradicts_stop(text)


@pytest.mark.parametrize(("language", "text"), _guard_examples("not_stop"))
def test_the_guard_sets_near_misses_are_never_opt_outs(language: str, text: str) -> None:
    # Not read by the reader, and not acted on when NLU reads them as stop.
    assert not asks_to_stop(text)
    assert contradicts_stop(text)


@pytest.mark.parametrize(
    "text",
    [
        # A day named as the day of an earlier request, not a day off.
        "desde el lunes les dije que paren",
        # Going back to a place, or receiving again after an opt-out: complaints.
        "I'm back in Haiti now, stop the messages",
        "volví a recibir mensajes después de darme de baja, paren",
        "you start sending again after I unsubscribed, stop",
        "y'all keep texting!! stop it already",
        "ya me canse, no me sigan escribiendo",
        # "What is this?" and "my friend" said to us; a hospital, a police call.
        "What is this? Stop texting me or I'll call the police",
        "mi amigo, como hago para darme de baja?",
        "se mwen ki vle kanpe, kijan pou m fe?",
        "estoy en el hospital, no me manden mas mensajes",
    ],
)
def test_requests_near_the_new_guards_are_not_declined(text: str) -> None:
    assert not contradicts_stop(text)


@pytest.mark.parametrize(
    "text",
    [
        # A "no" of its own, then fewer: part of the messages.
        "no, menos mensajes por favor",
        # A mistake undone, and a liking that goes on ("me siguen gustando").
        "me di de baja sin querer, me siguen gustando las lecciones",
    ],
)
def test_near_misses_near_the_new_guards_are_declined(text: str) -> None:
    assert not asks_to_stop(text)
    assert contradicts_stop(text)


@pytest.mark.parametrize(("language", "text"), _guard_examples("not_stop_nlu"))
def test_the_near_misses_left_to_nlu_are_not_read_as_opt_outs(language: str, text: str) -> None:
    assert not asks_to_stop(text)


# The guards' held-out set (tests/messaging/optout_guards_heldout/, 2026-12-07): a
# fifth author's, written after the guards' last change and run once. Its errors
# are not read; the counts of its first run are ceilings, so that a change that
# mends the development sets at its expense shows.
def test_the_held_out_guard_set_is_no_worse_than_at_its_first_run() -> None:
    folder = Path(__file__).parent / "optout_guards_heldout"
    requests = _examples_in(folder, "stop")
    near_misses = _examples_in(folder, "not_stop")
    assert len(requests) == 160 and len(near_misses) == 120
    declined = sum(contradicts_stop(text) for _lang, text in requests)
    taken = sum(asks_to_stop(text) for _lang, text in near_misses)
    assert declined <= 2, f"{declined} of 160 requests to stop declined (2 at its first run)"
    assert taken <= 5, f"{taken} of 120 near misses read as opt-outs (5 at its first run)"


# A reviewer's examples, written with the guards' code in view to break it.
OPTOUT_REVIEW = yaml.safe_load((Path(__file__).parent / "optout_review.yml").read_text("utf-8"))


@pytest.mark.parametrize("text", OPTOUT_REVIEW["read"])
def test_the_reviewers_requests_are_read_and_never_declined(text: str) -> None:
    assert is_opt_out(text)
    assert not contradicts_stop(text)


@pytest.mark.parametrize("text", OPTOUT_REVIEW["not_declined"])
def test_the_reviewers_requests_left_to_nlu_are_not_declined(text: str) -> None:
    assert not contradicts_stop(text)


@pytest.mark.parametrize("text", OPTOUT_REVIEW["not_read"])
def test_the_reviewers_near_misses_are_not_read(text: str) -> None:
    assert not is_opt_out(text)


def test_the_guard_set_has_both_kinds_in_every_language() -> None:
    for language in ("es", "en", "fr", "ht"):
        stop = [text for lang, text in _guard_examples("stop") if lang == language]
        near = [text for lang, text in _guard_examples("not_stop") if lang == language]
        left = [text for lang, text in _guard_examples("not_stop_nlu") if lang == language]
        assert len(stop) == 165 and len(near) + len(left) == 100, language
        assert len(left) <= 23, language


# --- Speaking of stopping: the reminder of the way out (nlu/actions/way_out.py) ---


@pytest.mark.parametrize(
    "text",
    [
        "apaguen esas notificaciones",
        "quiero terminar mi suscripción",
        "please switch it off",
        "cancel everything",
        "coupez l'envoi des messages",
        "laissez-moi en paix",
        "etenn mesaj yo",
        "m pa vle tande leson sa yo ankò",
        # A "no" of its own before the request does not turn it round.
        "no no, stop the messages",
        "ya no, dejen de escribirme",
        # Leaving, and a number taken off (2026-12-07).
        "please withdraw me, thank you",
        "I am leaving the course, God bless",
        "kindly take my number off",
        "sálganme de ese grupo",
        "no le manden mensajes a mi mamá, ella no sabe leer",
        "je ne veux aucun sms",
        "m vle soti nan pwogram nan",
        "m pa vle okenn mesaj",
        # A reviewer's misses (2026-12-07).
        "Please unenroll me",
        "Me voy para Venezuela, ya no me envíen las clases",
        "I won't be coming back, thanks for everything",
        "Je ne reviendrai pas, merci pour tout",
        "M p ap tounen ankò, mèsi pou tout",
        "Je ne veux rien recevoir de vous",
        "Good morning, I'd like to end my enrolment",
        "Pas de pause, sortez-moi de la liste",
    ],
)
def test_words_of_stopping_call_for_the_way_out(text: str) -> None:
    assert speaks_of_stopping(text)


@pytest.mark.parametrize(
    "text",
    [
        "no dejen de mandarme lecciones",
        "don't stop the lessons",
        "m pare pou pwochen leson an",  # Creole "pare" is "ready"
        "telefòn mwen te etenn",  # the phone went off
        "se me apagó el teléfono y no vi la lección",
        "quiero cancelar un pago que hice",
        "me di de baja por error, quiero volver",
        "mwen soti Jakmèl",  # "I come from Jacmel"
        "je ne suis plus au Panama",
        "gracias por todo",
        "take me off the pause, I'm ready",  # leaving a pause is coming back
        "m soti nan travay",  # "I'm coming from work"
        "my son is not coming back home tonight",
        "no me envíe la lección de hoy, mándela mañana",  # one lesson, another day
    ],
)
def test_other_words_do_not(text: str) -> None:
    assert not speaks_of_stopping(text)


def test_every_request_to_stop_of_the_nlu_development_set_is_read_or_reminded() -> None:
    optout = next(s for s in nlu_examples.TEST_SETS if s.name == "optout")
    requests = [e.text for e in nlu_examples.set_examples(optout) if e.intent == "stop"]
    missed = [text for text in requests if not (asks_to_stop(text) or speaks_of_stopping(text))]
    assert len(requests) >= 200 and missed == []


@pytest.mark.parametrize(
    ("name", "requests_to_stop"),
    [
        # Written blind on 2026-12-06 (nlu/tests/second_blind); the reader was
        # widened from what it missed (26 of 180), so it is a development set now.
        ("second-blind", 180),
        # Written blind on 2026-12-07 in French and Creole (nlu/tests/fourth_blind).
        # Its first run found one request missed ("ne plus envoyer"), one declined
        # ("nou fè bon travay…", praise before leaving) and three learners coming
        # back opted out ("commencer à nouveau après mon désabonnement").
        ("fourth-blind", 28),
    ],
)
def test_every_request_to_stop_of_a_blind_set_is_an_opt_out_and_nothing_else_is(
    name: str, requests_to_stop: int
) -> None:
    blind = next(s for s in nlu_examples.TEST_SETS if s.name == name)
    examples = nlu_examples.set_examples(blind)
    requests = [e.text for e in examples if e.intent == "stop"]
    others = [(e.intent, e.text) for e in examples if e.intent != "stop" and is_opt_out(e.text)]
    assert len(requests) == requests_to_stop
    assert [text for text in requests if not is_opt_out(text)] == []
    assert others == []


def test_no_training_example_of_an_intent_that_never_means_stop_calls_for_the_way_out() -> None:
    # A pause is worded as a stop ("paren por dos semanas"), and the way out
    # after it is worth its message; out_of_scope holds "la police m'a arrêté".
    may_speak_of_it = {"pause", "out_of_scope"} | SETTLED_BY_THEIR_ANSWER
    examples = nlu_examples.training_examples()
    reminded = [
        (e.intent, e.text)
        for e in examples
        if e.intent not in may_speak_of_it and speaks_of_stopping(e.text)
    ]
    assert reminded == []


def test_no_training_example_of_an_answer_that_settles_it_gets_the_way_out_after_it() -> None:
    # After coming back, going on or a new time zone the way out follows only a
    # message that also asks outright to leave (asks_to_leave): none of theirs.
    # Erasure is left out: its question names the keyword itself.
    settled = {"resume", "next_lesson", "change_timezone"}
    examples = nlu_examples.training_examples()
    reminded_after = [
        (e.intent, e.text) for e in examples if e.intent in settled and reminded(e.text, e.intent)
    ]
    assert reminded_after == []


# --- NLU's stops that the opt-out action declines (contradicts_stop) ------------


@pytest.mark.parametrize(
    "text",
    [
        # A reviewer's (2026-12-07): leaving the pause and the list at once is a
        # request to stop; a first version of the way-out change declined these.
        "Sáquenme de la pausa y de la lista también, ya no quiero nada",
        "sácame de la pausa y del programa, no quiero más mensajes",
        "Don't take me off pause, take me off the list. Stop texting me",
        "take me off pause and off the list, stop texting me",
        "sortez-moi de la pause et du programme, j'arrête tout",
    ],
)
def test_leaving_the_pause_and_the_list_is_not_declined(text: str) -> None:
    assert not contradicts_stop(text)


@pytest.mark.parametrize(
    "text",
    [
        # Near misses of the third development set that NLU read as stop.
        "no paren, manden la siguiente",
        "how do i stop a scammer from texting me",
        "fewer messages please, but don't take me off",
        "por que dejaron de llegar los mensajes? ayer no me llego nada",
        "comment désactiver la localisation sur mon téléphone",
        "kijan pou m anile abònman Netflix la",
        "m kite travay mwen pou m lanse ti biznis mwen",
        "poukisa mesaj yo kanpe? m pa t resevwa anyen yè",
        # Read as stop by NLU, and opted out, until the guards of 2026-12-07.
        "si despues me quiero salir como hago?",
        "si pita m vle soti, kijan m fè?",
        "ya basta de teoria, quiero ejemplos practicos",
        "assez de théorie, je veux des exemples",
        "arrêtez la leçon ici, je la finis ce soir",
        "m pa gen kredi kounya, m ap kontinye demen",
        "m ap eseye sispann fimen lol",
    ],
)
def test_a_message_that_asks_for_something_else_contradicts_a_stop(text: str) -> None:
    assert contradicts_stop(text)


def test_no_request_to_stop_of_the_training_data_or_any_development_set_is_declined() -> None:
    requests = [e.text for e in nlu_examples.training_examples() if e.intent == "stop"]
    for test_set in nlu_examples.TEST_SETS:
        if not test_set.held_out:
            examples = nlu_examples.set_examples(test_set)
            requests += [e.text for e in examples if e.intent == "stop"]
    requests += [text for _lang, text in _dev_examples("stop")]
    requests += [text for _lang, text in _third_examples("stop") + _third_examples("left_to_nlu")]
    requests += [text for _lang, text in _guard_examples("stop")]
    assert len(requests) > 2300
    assert [text for text in requests if contradicts_stop(text)] == []


@pytest.mark.parametrize(
    "text",
    [
        # A complaint that the messages go on after an opt-out.
        "still getting texts after I unsubscribed, stop",
        "apres mon desabonnement je recois encore des messages, arretez",
        # Not available any more: the opposite of coming back.
        "m pa disponib ankò, retire m",
    ],
)
def test_a_complaint_beside_the_words_of_coming_back_is_still_an_opt_out(text: str) -> None:
    assert is_opt_out(text) and not contradicts_stop(text)


@pytest.mark.parametrize(
    "text",
    [
        "je veux recevoir les leçons encore, j'avais annulé",
        "on peut recommencer à nouveau ? je m'étais désabonné",
        "m te kanpe men kounya m disponib ankò",
        "nou ka reprann leson yo?",
    ],
)
def test_wanting_the_messages_again_is_never_an_opt_out(text: str) -> None:
    assert not is_opt_out(text) and contradicts_stop(text)


@pytest.mark.parametrize(
    "text",
    [
        # Not going on: a negation before the verb, or "you" who go on.
        "I cannot continue, stop, maybe later",
        "m pa ap kontinye demen, retire m",
        "no continuo mañana, quiero salir",
        "sigo recibiendo mensajes y luego me cobran, paren",
        # A habit beside a request to stop writing.
        "stop texting me, I am trying to quit smoking",
    ],
)
def test_a_request_to_stop_beside_the_words_of_the_new_guards_is_not_declined(text: str) -> None:
    assert not contradicts_stop(text)
