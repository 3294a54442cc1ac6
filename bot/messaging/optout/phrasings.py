"""How people ask to stop, in the four languages (es, en, fr, ht).

``KEYWORDS`` and ``FILLERS`` (a message made only of them is an opt-out),
``OPT_OUT`` (the reader's patterns of a request), ``JOINED`` (requests typed
without spaces), and the outright requests (``asks_outright``) that the
guards for something else give way to: "me voy pa Venezuela, ya no me manden
nada" is a request to stop whatever place it names.
"""

from __future__ import annotations

import re


def _words(*lines: str) -> frozenset[str]:
    """The words of some lines (one language per line reads better than one word per line)."""
    return frozenset(word for line in lines for word in line.split())


# A message made only of KEYWORDS and FILLERS is an opt-out: "STOP", "baja
# porfa", "ARRÊT SVP", "kanpe tanpri", "stop stop".
KEYWORDS = _words(
    "stop stopall stopit stahp stpo sotp unsubscribe unsub cancel end quit optout revoke enough",
    "baja alto parar para cancelar detener basta fin terminar",
    "arret arrete arreter arretez desabonner desinscription desabonnement annuler quitter",
    "kanpe sispann sispan dezabone dezabonnen anile ase arete",
)


FILLERS = _words(
    "please pls plz now all it ok no thanks already",
    "ya ahora porfa porfavor por favor xfa gracias todo",
    "svp stp maintenant merci tout non",
    "tanpri souple mesi kounye a sa konsa",
)


_ES = (
    r"\b(dar|darme|darse|darnos|den|denme|dame|doy|des) de baja\b",
    r"\b(desuscrib|desinscrib|desafili)\w*",
    r"\bcancel\w* (mi |mis |la |las |el )?(suscripcion|inscripcion|lecciones|mensajes|curso|"
    r"todo)\b",
    r"\b(elimin|borr|quit|anul)\w* (mi |la )?suscripcion\b",
    r"\bcancel\w* (el |este )?(servicio|programa)\b",
    r"\b(paren|pare|para|parar|detengan|detener|detenga|basta) (de |con )?(los |las |todos los )?"
    r"(mensajes|msjs?|lecciones|sms|whatsapp|envios)\b",
    r"\bno (quiero|deseo) que me (escriban|manden|envien|contacten|molesten|lleguen)\b",
    r"\bya no (quiero|deseo) (estar|seguir|aprender|participar|nada|esto)\b",
    r"\bno quiero (saber )?nada (mas )?de (ustedes|esto)\b",
    r"\bno (quiero|deseo) volver a (saber nada|saber de|recibir nada|recibir (mas )?(mensajes|"
    r"lecciones))\b",
    r"^(ya )?no mas( por favor| porfa| gracias)?$",
    r"^(ya )?no (quiero|deseo) (nada )?mas( punto| gracias| porfa| por favor)?$",
    r"\bdesactiv\w* (los |mis |las |todos los )?(mensajes|msjs?|lecciones|notificaciones|sms)\b",
    r"\bfuera de (la lista|esto)\b",
    r"\b(dejar|dejo|deje) (el curso|el programa|de recibir|las lecciones)\b",
    r"\bno (me )?(sigan|siga|sigas) (enviando|mandando|escribiendo)\b",
    r"\b(canse|cansado|cansada|harto|harta) (de|con) (\w+ )?(mensajes|msjs?|lecciones|sms)\b",
    r"\b(deja|dejen|deje|dejar|paren|pare|para|parar|detengan|detener)( ya)? de "
    r"(enviar|mandar|escribir|molestar|contactar)\w*",
    r"\b(no|nunca|jamas)( mas)? (me )?(manden|envien|mandes|envies|escriban|escribas|contacten|"
    r"molesten|lleguen|vuelvan a)\b",
    r"\bpara que (paren|dejen|no me lleguen)\b",
    r"\bya (tuve|fue) suficiente\b",
    r"\b(no|ya no) (quiero|deseo) (formar|ser) parte\b",
    r"\bno cuenten conmigo\b",
    r"\b(borrenme|borrame|sacame|saquenme|quitame|quitenme|eliminenme|retirenme|retireme)\b"
    r"(?! (mis |los |la |el |mi )?(datos|informacion|numero|historial|cuenta))",
    r"\b(no|ya no) (quiero|deseo|necesito) (\w+ ){0,3}?(mensajes?|msjs?|lecciones|clases|sms|"
    r"whatsapp|recibir|recibiendo|seguir|continuar|participar)\b",
    r"\bno (mas|\+) (mensajes|msjs?|lecciones|clases|sms|whatsapp)\b",
    r"^(alto|basta|baja|stop)( ya)? no mas\b",
    r"\b(sacame|saquenme|sacarme|quitame|quitenme|quitarme|borrame|borrenme|eliminame|"
    r"eliminenme) (de|del)\b",
    r"\bme (salgo|retiro)\b",
    r"\b(salir|salirme|retirarme)( (del (curso|programa|grupo)|de (la lista|este|esta|esto|"
    r"aqui))|$)",
    r"\b(dejame|dejenme) en paz\b",
    r"\bya no me interesa\b",
    r"\bno me interesa (mas|ya)\b",
    r"\b(me )?(saquen|saque|saca|sacar|borren|borre|borrar|eliminen|elimine|eliminar|quiten|quite|"
    r"quitar|retiren|retire|retirar) (mi (numero|celular|telefono|contacto) )?(de|del|d) (\w+ )?"
    r"(programa|lista|curso|grupo)\b",
    r"\b(basta|suficiente) (ya )?(de|con) (\w+ )?(mensajes|msjs?|lecciones|sms|whatsapps?)\b",
    r"\bno (quiere|queremos|quieren) (recibir )?(\w+ )?(mensajes|msjs?|lecciones|sms)\b",
    r"\b(no|nunca|jamas)( mas)? (me |m )?(manden|mande|envien|envie|escriban|escriba|lleguen|"
    r"llegue|contacten|molesten)( (nada|mas|nunca))?( (mas|nada))?$",
    r"\bno (me |m )?(llegue|lleguen|manden|envien|escriban) (nada|mas)\b",
    # Third blind set (2026-12-07): complaints, threats, someone else's phone.
    r"\b(deja|dejen|deje|paren|pare) (d|de) (mandar|enviar|escribir|molestar)\w*",
    r"\bno (mas|\+) mesaj\b",
    # "ya no quiero" (no more); a bare "no quiero" is the answer to a question.
    r"^ya no (quiero|deseo)( (mas|nada|esto|eso))?$",
    r"\bprefiero (ya )?no (recibir|seguir|continuar)\b",
    # "¿me pueden sacar?" as the whole request: "¿pueden sacar otra lección?"
    # and "pueden borrar mi nombre" (erasure: NLU's delete_data) are not.
    r"\bme (pueden|puede|podrian|podria) (sacar|quitar|borrar|retirar|dar de baja)"
    r"( (de|del) (la lista|aqui|esto|este programa|este curso|programa|curso|grupo))?"
    r"( (por favor|porfa|porfavor|xfa|gracias))*$",
    r"\bcancel(en|a|e) (esto|eso|todo)\b",
    # Plural imperatives only: without accents "saque", "quite" are also "I took out".
    r"\b(saquen|quiten|retiren|borren|eliminen) (este|ese) (numero|celular|telefono)\b",
    r"\b(me )?(estan|esta|siguen) (molestando|fastidiando|jodiendo) (con )?(\w+ )?"
    r"(mensajes|mensajitos|msjs?|sms)\b",
    r"\bpor que (me )?(siguen|sigue|continuan|continua) (escribiendo|mandando|enviando)\b",
    r"\b(ya )?(les|te|le) (dije|pedi|escribi) que (pararan|dejaran de|no me (escribieran|"
    r"mandaran|enviaran|contactaran))\b",
    r"\bno (autorizo|doy permiso|di permiso) (que|para que) (me )?(sigan|manden|envien|escriban|"
    r"contacten)\b",
    r"\bparenle\b",
    r"\b(joder|molestar|fastidiar) con (\w+ )?(mensaj\w*|msjs?)\b",
    r"\b(sacame|saquenme|quitame|quitenme|borrenme) d (la|el|su)\b",
)


_EN = (
    r"\bunsubscribe\b",
    # "unsuscribe", "unsubcribe": the word is often misspelt.
    r"\bun ?su[bs]{1,2}c?r?ibe\b",
    r"\b(want|wish|like) to be (removed|unsubscribed|taken off)\b",
    r"\b(deactivate|disable|turn off|switch off) (the |my |these |all |your )*(messages|lessons|"
    r"texts|notifications|sms|msgs)\b",
    r"\b(want|wanna|like) to (stop|quit|unsubscribe|cancel)\b",
    r"\bi want out\b|\bget me out\b|^i quit\b|\bcount me out\b|\bremove me\b",
    # "done with this one, next please" is done with one lesson.
    r"\b(i m|im|i am) done with (this|these|the|your)\b"
    r"(?! (one|lesson|quiz|question|module|homework|exercise|task)\b)",
    r"^(no more|nothing more)( please| thanks| thank you)?$",
    r"\bhow (do|can|should) i (stop|unsubscribe|opt out|cancel)\b",
    r"\b(how|what) (do|can|should|must) i \w+ to (stop|unsubscribe|opt out)\b",
    r"\b(had|have) enough\b",
    r"\b(don t|dont|do not|no longer) (want to |wish to )?be (a )?part of\b",
    r"\b(stop|cancel|end|quit) (this|the) (service|program|programme)\b",
    r"\benough (of )?(messages|texts|sms|msgs|lessons)\b",
    r"\b(tired|sick|fed up|cant stand|can t stand) (of |with )?(these |the |your |all )*"
    r"(messages|texts|sms|msgs|lessons)\b",
    r"\b(don t|dont|do not) (want|wanna|wish) (to )?(continue|keep (getting|receiving)|go on)\b",
    r"\b(don t|dont|do not) (want|need) (this|it|these|them|that) any ?more\b",
    r"\bopt (me )?out\b",
    r"\b(stop|quit|cease|end) (sending|texting|messaging|writing|contacting|bothering|receiving|"
    r"getting|the messages|the texts|all messages|these messages|messages|texts|msgs?|sms)\b",
    r"\b(take|remove|delete|get) me (off|out|from)\b",
    r"\b(remove|take|delete) my number (\w+ )?(from|off) (the|your|this) (list|program|course)\b",
    r"^remove me$",
    r"\bno (more|further) (messages?|texts?|sms|msgs?|lessons?|notifications?)\b",
    r"\b(don t|dont|do not|never)( ever)? (send|text|message|contact|write|msg) (me|to me|us)\b",
    r"\b(don t|dont|do not|never) (send|text|message|contact|write|msg) (this|my) (number|phone|"
    r"cell)\b",
    r"\b(don t|dont|do not|never) (send|text|message|contact|write|msg)( \w+)? "
    r"(anymore|any more|again|ever)\b",
    r"\b(don t|dont|do not) (want|need|wanna) (to (get|receive) )?(any |these |the |your |"
    r"more |any more )*(messages?|texts?|sms|msgs?|lessons)\b",
    r"\bno longer (want|need|interested|wish)\b",
    r"\bnot wanting (any |these |the |your |more )*(messages?|texts?|msgs?|sms|lessons?)\b",
    r"\b(stop|quit|cease|end) (all |the |these |your |my )+(messages|texts|msgs?|sms|txts|"
    r"lessons)\b",
    # Pidgin and Caribbean English: "I no want dis message again", "mi nuh want no more".
    r"\b(i|mi|me) (no|nuh|nah) (want|need) (\w+ ){0,2}(messages?|msgs?|texts?|lessons?|"
    r"no more|any more|anymore)\b",
    r"\bdiscontinue (the |my |these |all |your )*(lessons|messages|texts|course|subscription|"
    r"service|program|programme|communications?|contact)\b",
    r"\bnot interested any ?more\b",
    r"\bleave me alone\b",
    r"\b(quit|leave) (the|this) (course|program|programme|lessons)\b",
    r"\b(cancel|end|stop) (my |the )?(subscription|lessons|messages|course|everything)\b",
    r"\b(stop|quit|cease) (txting|txtin|txt|msging|spamming|spam)\b",
    # "... from your system" and "delete my number" ask for erasure (NLU's delete_data).
    r"\b(remove|take|erase|get) (my|this) number (off|out)\b",
    r"\b(remove|take|delete|erase) (my|this) number from (the|your|this) (\w+ )?(list|program|"
    r"programme|course|group)\b",
    r"\b(erase|delete|drop|take) me (off|out of|from) (the|your|this|that) (\w+ )?(list|program|"
    r"programme|course|group)\b",
    r"\bunsub( me)?\b",
    r"\benough (with|of) (the |these |your |all )?(messages|texts|txts|sms|msgs|lessons)\b",
    r"\b(told|asked) you( guys)? (to stop|not to (text|message|write))\b",
    r"\bwhy (do|does|are|did) (you|u|they)( guys)? keep (texting|txting|messaging|sending|"
    r"writing|spamming)\b",
    r"\b(won t|wont|will not) (need|want) (the |these |your |any )?(lessons|messages|texts) "
    r"(any ?more|again)\b",
    # Third blind set (2026-12-07).
    r"^(i m|im|i am) out$|\bleave me out\b|\bleave (me|mi) alone\b",
    r"\bnot interested (again|anymore|any more)\b",
    r"\bno (more|further) (mensajes|mesaj)\b",
    r"\b(don t|dont|do not|never) (send|text|message|contact|write|msg)( \w+)? more\b",
    r"\b(stop|quit|cease) (disturbing|harassing|annoying|bugging|pestering)\b",
    r"\b(told|asked) you( guys)? stop\b",
    r"\bwhy (are|r|do) (you|u)( guys)? still (texting|txting|messaging|sending|writing)\b",
    r"\b(you|u) (are|re|r) (bothering|disturbing|annoying|harassing|bugging) me\b",
    r"\bcancel (me|my (enrollment|enrolment|registration|number))\b",
    r"\b(don t|dont|do not) want (this|it)\b.*\b(remove|stop|cancel|unsubscribe)\b",
)


_FR = (
    r"\b(desabonn?|desinscri)\w*",
    r"\b(arret|stop)\w* definiti\w*",
    r"\b(fini|termine) pour moi\b",
    r"\b(arret|stop|cesse)\w* (d |de )?(m |me )?(envoyer|ecrire|contacter|deranger|embeter|"
    r"l envoi|ca|tout|(les|vos|ces|mes) (messages|msg|sms|lecons))\b",
    r"\b(veux|voudrais|vais) (m )?(arreter|me retirer|me desabonner|quitter)\b",
    r"\bveux pas (continuer|poursuivre)\b",
    r"\b(ca|cela) suffit\b",
    r"\bplus jamais de (messages|sms|msg|lecons)\b",
    r"^je quitte\b",
    r"\b(me )?retirer (du|de la|de ce) (programme|cours|liste)\b",
    r"\bfin (de l abonnement|des messages|des sms)\b",
    r"\b(assez|marre|trop) (de|des) (messages|sms|msg|lecons)\b",
    r"\bje n en veux plus\b",
    r"\bne (m|me) (envoyez|renvoyez|envoie|renvoie|envoyer|ecrivez|ecris|ecrire|contactez|"
    r"contacte) (plus|jamais)\b",
    r"\bn (envoyez|renvoyez|ecrivez|envoie|ecris) plus\b",
    r"\bne plus (rien )?(recevoir|etre contacte|m envoyer|avoir de messages)\b",
    r"\bpour (arreter|me desabonner|ne plus recevoir)\b",
    r"\b(arret\w*|annul\w*) (le|ce) (service|programme)\b",
    r"\bveux pas de (lecons|messages|sms)\b",
    r"\bne comptez plus sur moi\b",
    r"(^|\bnon( merci)? )plus de (messages|sms|msg|lecons)\b",
    r"\bne plus m (envoyer|ecrire|contacter)\b",
    r"\bne (veux|souhaite|desire|voudrais) plus( jamais)?( (rien|recevoir|continuer|participer|"
    r"faire partie|de (messages|sms|lecons|msg|ca)|d (messages|sms)|(ces|vos|les) "
    r"(messages|sms|lecons))\b|$)",
    r"\bveux plus (rien|recevoir|ces|vos|continuer|participer)\b",
    r"^plus de (messages?|sms|msg|lecons?)\b",
    r"\blaisse[rz]? (moi|mon (telephone|numero|portable|tel)) (tranquille|en paix)\b",
    r"\bdesactiv\w* (les |mes |vos |ces |tous les )?(messages|msg|lecons|notifications|sms)\b",
    r"\b(retirez|enlevez|sortez|supprimez|rayez) (moi|mon numero)( (de|du)\b|$)",
    r"\b(quitte|quitter) (le|ce) (cours|programme)\b",
    r"\bannul\w* (mon |l |cet )?(abonnement|inscription)\b",
    r"\bm interesse plus\b",
    r"\bj en ai (marre|assez)\b",
    r"\bras le bol\b",
    # "je veux plus de messages" may ask for more (NLU decides); "pu", "plu" never do.
    r"\b(veux|veut) (pu|plu) (de |d )?(messages?|msgs?|sms|textos?|lecons?|notifications?|rien)\b",
    r"\b(veux|veut) (plus|pu|plu) recevoir\b",
    r"\b(arret|cesse)\w* (de |d )?(m |me )?(texter|spammer|ecrire|texto)\b",
    r"\blache[rz]? moi avec (vos|tes|ces|les) (messages?|msgs?|sms|textos?|lecons?)\b",
    r"\b(me )?(retirer|rayer|enlever|supprimer|effacer|sortir) (de|du|des) (la |le |ce |cette |"
    r"votre |vos |ma )?(\w+ )?(programme|liste|cours|formation)\b",
    r"\bstop (aux|a vos|a ces|a tous ces) (messages?|msgs?|sms|textos?)\b",
    r"\bje me retire\b",
    r"\bplus rien (qui|ne) m interesse\b",
    r"\bne plus (m|me) (envoyer|ecrire|contacter|texter|deranger)\b",
    r"\b(mettez|mettre|mets) fin (a|au|aux) (mon |ma |mes |la |l |cet |ce |ces |vos |votre )?"
    r"(abonnement|inscription|messages|envois|programme|cours|lecons|formation)\b",
    r"\b(otez|retirez|enlevez|rayez|sortez) (moi|mon numero)( (de|du)\b|$)",
    # Third blind set (2026-12-07).
    r"^(plus|plu|pu) de (messages?|sms|msgs?|lecons?)\b",
    r"\b(pouvez|pourriez|pouvais) (arreter|me retirer|me desinscrire|m enlever|me desabonner)\b",
    r"\bprefere (arreter de recevoir|ne plus recevoir|ne rien recevoir|arreter les)\b",
    r"\barretez( (svp|stp|merci|maintenant|tout|ca|donc|la))*$",
    r"\bpourquoi (vous )?(continuez|continue) (a|de) (m |me )?(ecrire|envoyer|contacter|texter)\b",
    r"\bvous me (derangez|saoulez|harcelez|embetez|fatiguez|soulez)\b",
    r"^(c est bon|c bon) (je |j )?(veux|veut) (pu|plu|plus)$",
    r"\bdeja dit (stop|d arreter|arretez)\b",
    r"\bj en veux (pu|plu)\b",
    r"\bannulez( (tout|svp|stp|merci|ca))*$",
    r"\b(retirez|enlevez|otez)( (le|moi|ce numero|mon numero))?( (svp|stp|merci))*$",
    r"\b(otez|retirez|enlevez|rayez|sortez|supprimez) (mon num|ce numero|ce num)\b",
    r"\babandonner (le|ce) (cours|programme)\b",
    r"\b(arret|stop|cesse)\w* (les|vos|ces) envois\b",
    # Fourth blind set (2026-12-07): the infinitive of a written instruction.
    r"\bne plus (rien )?(envoyer|ecrire|texter)\b",
)


_HT = (
    r"\bdezabon\w*",
    r"\bdezaktive (mesaj|leson|notifikasyon|sms|msj)\w*",
    r"\b(sispann|kanpe|stop) (voye|ekri|kontakte|deranje|resevwa|mesaj|leson|tout|sa|sevis|"
    r"pwogram)\b",
    r"\bpa vle (sa|fe pati)( \w+)? anko\b|\bpa vle fe pati\b",
    r"\bpou m pa resevwa\b",
    r"\bpa konte sou (m|mwen)\b",
    r"\befase (m|mwen) nan lis\b|\bretire non (m|mwen)\b",
    r"\bmete (yon )?fen (nan|a|ak)\b",
    r"\b(m|mwen) (vle|ta vle) (kanpe|sispann|soti|retire ko m|dezabone|kite)\b",
    # Not "m kite yon mesaj pou nou" (I left you a message).
    r"^(m|mwen) kite\b(?! (yon|on) )",
    r"\base (mesaj|leson)\b",
    # "m fini ak leson sa a" is done with this one lesson (and may want the next).
    r"\bfini (abonman\w*|ak (mesaj|leson)\w* yo)\b",
    r"\bpa vle tande pale\b",
    r"\bpa (janm )?(voye|ekri|kontakte|deranje)\b.*\b(anko|janm)\b",
    r"\bpa janm (voye|ekri|kontakte)\b",
    r"\b(m|mwen) pa (vle|bezwen)( janm)? (resevwa |okenn |tande )?(\w+ )?(mesaj|leson)\b",
    r"\b(m|mwen) pa (vle|bezwen) (resevwa |okenn )?anyen\b",
    r"\b(m|mwen) pa (vle|bezwen) resevwa\b",
    r"\b(m|mwen) pa vle (kontinye|patisipe|swiv)\b",
    r"\bpa gen (mesaj|leson) anko\b",
    r"\bretire (m|mwen|nimewo m|nimewo mwen)( (nan|sou) (lis|kou|pwogram)\w*|$)",
    r"\bmete (m|mwen) deyo( nan)? (lis|kou|pwogram)\w*",
    r"\b(m|mwen) pa bezwen (nou|ou|w) anko\b",
    # "mesaj nou yo ankò" (your messages); "leson sa a ankò" is this one lesson.
    r"\bpa (vle|bezwen) (\w+ )?(mesaj|msj|leson|sms)( (nou|yo|ou|w|sa yo|nou yo))? anko\b",
    r"\b(kite|soti nan) (kou a|pwogram nan|lis la)\b",
    r"\bkite m (anpe|trankil)\b",
    r"\banile (abonman|enskripsyon)\w*",
    r"\bpa enterese( m| mwen| ak \w+( yo)?)? anko\b",
    r"\bbouke ak (mesaj|leson)\w*",
    r"\bdezenskri\w*",
    # "efase nimewo m" alone asks for erasure (NLU's delete_data); "from the list" to stop.
    r"\b(efase|retire|wete) (nimewo|non|tet) (m|mwen|sa a|sa) nan (lis|pwogram|kou)\w*",
    r"\b(retire|wete) tet (m|mwen)\b",
    r"\b(kanpe|sispann|stop|ase|arete) ak (mesaj|msj|leson|sms)\b",
    r"\b(arete|sispann|kanpe) (voye|ekri)( m| mwen)? (mesaj|msj|leson|sms|anyen)\b",
    r"(?<!\bou )(?<!\bw )(?<!\bn )(?<!\byo )\bpa voye (m|mwen) (anyen|mesaj|msj|leson)\b",
    r"\b(m|mwen) pa (vle|bezwen) (msj|sms)\b",
    r"\bpa enterese ak \w+( \w+)? anko\b",
    # Third blind set (2026-12-07).
    r"\b(sispan|aret) (voye|ekri|mesaj|msj|leson)\b",
    r"^(m |mwen )?pa vle anko( (souple|tanpri|mesi|non))?$",
    r"\bpa (vle|bezwen) (\w+ )?(mensaje|mensajes)( (nou|yo))? anko\b",
    r"\bkite (m|mwen)( (anpe|trankil|anrepo))?$|\bkite (m|mwen) anrepo\b",
    # The imperative, without a subject: "ou pa voye m anyen" (you sent me
    # nothing) is a complaint that the lessons did not come.
    r"(?<!\bou )(?<!\bw )(?<!\bn )(?<!\byo )\bpa (ekri|voye|kontakte) (m|mwen)( anyen)?$",
    r"\b(m|mwen) pap (swiv|fe|kontinye) (kou|leson|pwogram)\w*( (a|yo|la))? anko\b",
    r"\b(fatige|anmede|deranje|nui) (m|mwen) ak (mesaj|msj|leson|sms)\w*",
    r"\bpa ni vle ni bezwen\b",
    r"\b(poukisa|sa k fe|sak fe) (nou|n|ou|w) (toujou |kontinye )?ap (voye|ekri)\b",
    r"\bte di (nou|ou|w) (stop|kanpe|sispann|pou nou sispann)\b",
    r"\bretire (m|mwen|nimewo sa( a)?)( (souple|tanpri|mesi))*$",
    r"\bprefere pa resevwa\b",
    r"\banile tout( (souple|tanpri))?$",
)


SPANISH_VERBS = frozenset({"parar", "para", "cancelar", "detener"})


_ANY = (
    r"(^| )(stop|kanpe|sispann|arretez|arrete|baja|alto|basta|unsubscribe|paren)"
    r"( (please|pls|now|porfa|svp|tanpri|ya|souple|plz|por favor))?$",
    # Opening with the keyword and a word of politeness or urgency, whatever
    # follows: "stop please, I don't want more", "STOP NOW or I block you".
    r"^(please|pls|plz|svp|stp|tanpri|porfa|por favor) (stop|unsubscribe|kanpe|sispann|arretez|"
    r"arrete|baja|basta)\b",
    # Creole "stop la", "kanpe la": the determiner after the keyword.
    r"^(stop|kanpe|sispann) la( (tanpri|souple|mesi))?$",
    r"^(stop|unsubscribe|kanpe|sispann|arretez|arrete|baja|basta)"
    r"( (please|pls|plz|now|svp|stp|tanpri|souple|porfa|ya|por favor))+\b",
    # Complaints that the messages were never wanted (third blind set,
    # 2026-12-07): I never signed up, wrong number, a threat to report us.
    # "Who gave you my number?" asks who we are as often (a question for
    # NLU's faq_who, with the way out after the answer: ``speaks_of_stopping``).
    r"\b(yo )?nunca me (inscribi|registre|suscribi|anote)\b",
    r"\bi (never|neva) (sign(ed)? up|register(ed)?|subscribe(d)?|ask(ed)? for)\b",
    r"\bi (didn t|didnt|did not|no) (sign(ed)? up|register(ed)?|subscribe(d)?|ask(ed)?) for "
    r"(this|these|it|them|that|anything|nothing|your)\b",
    r"\bje (ne )?(me )?suis jamais inscrit\w*|\bje (n )?ai jamais (demande|signe)\b",
    # Past or never: "m pa enskri" alone is "I'm not signed up (yet)".
    r"\b(m|mwen) pa (t janm|janm|t) (enskri|mande (nou|ou|w) anyen)\b",
    r"^(numero equivocado|wrong number|mauvais numero|move nimewo)\b",
    r"\b(se )?equivocaron de numero\b|\b(you have|you got|u have|u got) the wrong number\b",
    r"\btrompes? de numero\b|\bnou pran move nimewo\b",
    r"\b(los|te|les) voy a denunciar\b|\b(i ll|i will|ill) report (you|u)\b|"
    r"\b(je )?(porte|vais porter) plainte\b|\b(m ap|mwen ap|m pral) pote plent\b",
    r"\b(no me interesa|not interested|pas interesse\w*|pa enterese)\b.*"
    r"\b(adios|chao|chau|bye|goodbye|au revoir|orevwa|babay)\b",
    r"\bno soy (esa persona|la persona)\b|\b(this|it) is not (my number|my phone)\b|"
    r"\bje (ne )?suis pas (migrant|cette personne)\b",
)


OPT_OUT = re.compile("|".join(f"(?:{p})" for p in _ES + _EN + _FR + _HT + _ANY))


# Requests typed without spaces: "nomasmensajes", "nomoretexts", "mpavleanko".
JOINED = re.compile(
    r"(ya)?nomas(mensajes|msjs?|mesaj)?|nomore(texts?|txts?|messages?|msgs?|sms)|"
    r"stop(it|now|texting|sending)|arret(e[rz]?)?(de)?m?envoyer|(m|mwen)?pavle(anko|mesaj)|"
    r"sispann?voye|dejendeescribir\w*|dejendemandar\w*"
)


# ... unless the message also says to stop writing: "delete my number from your
# system and stop contacting me" asks for both, and the stop is the urgent one.
STOP_WRITING = re.compile(
    r"\b(stop|quit|cease|discontinue|deja\w*|dejen|paren|para|arret\w*|cesse\w*|sispann|kanpe)"
    r"( de| d)? (\w+ )?(contact|send|text|messag|communicat|escrib|mand|envi|ecri|voye|ekri)\w*|"
    r"\bpa (voye|ekri)( \w+){0,2} anko\b|"
    # No need to write any more: "inutile de continuer à m'écrire", "pa bezwen kontinye ekri m".
    r"\b(inutile|plus besoin|no hace falta|no need|pa bezwen)( de| d| to| que)?( \w+){0,2} "
    r"(m ecrire|m envoyer|ecrire|envoyer|escribir\w*|mandar\w*|text\w*|writ\w*|send\w*|"
    r"ekri (m|mwen)|voye (m|mwen))\b|"
    # A negated send with "any more", "nothing" or nothing after it: "ya no me
    # manden nada", "don't text me anymore", "ne m'écrivez plus", "pa voye m
    # anyen" (the guard set, 2026-12-07). Not "los domingos no me escriban" nor
    # "no me escriban al número viejo": a day, a number.
    r"\b(no|don t|dont|do not|never) (me |us )?(manden|mande|mandes|envien|envies|escriban|"
    r"escribas|send|text|message|write|contact)( me| us)?"
    r"( (nada|mas|more|anymore|any more|again|ever|nothing|anyen|anko|plus)\b|$)|"
    r"\b(m|n) (envoyez|ecrivez|envoie|ecris) plus\b|"
    r"\bpa (bezwen |fok )?(voye|ekri) (m|mwen) (anyen|mesaj|anko)\b|"
    r"\bno (me |le |les |nos )?sigan (escribiendo|mandando|enviando)\b|"
    r"\bplus (la )?peine de (m )?(envoyer|ecrire)\b|"
    r"\bcancel\w* (\w+ )?(mensajes|messages?|msgs?|lecciones|lessons?|sms|texts?|mesaj|leson)\b"
)


# What also asks to leave, beside stopping the writing: "I moved to Chile,
# unsubscribe", "I quit smoking and now this too, no more messages"
# (contradicts_stop only: the reader leaves erasure words such as "borrenme"
# to NLU).
_ASKS_TO_LEAVE = re.compile(
    r"\b(remove me|take me off|(dar|darme|den|denme) de baja|retire[rz]? moi|"
    r"retire (m|mwen)|sacame|saquenme|sacarme|quitenme|"
    r"no more (messages?|texts?|msgs?|lessons?)|no mas (mensajes|msjs?|lecciones)|"
    r"plus de (messages?|sms|msgs?|lecons?)|pa (vle|bezwen) (\w+ ){0,3}(mesaj|leson)( \w+)? anko|"
    r"pa gen (\w+ )?(sms|mesaj|leson) anko|"
    r"no (necesito|quiero|deseo) (mas )?(los |sus |mas )?(mensajes|lecciones|msjs?)|"
    r"(don t|dont|do not) (need|want) (the |your |any |these )?(messages|texts|lessons)|"
    r"(veux|ai besoin) (plus|pas) (de |des |vos |les )?(messages|lecons|sms)|"
    r"(veux|voulons) (plus|pas) (aucun|aucune) (messages?|lecons?|sms)|"
    r"(no quiero|no deseo) (ningun|ninguna|ni un) (mensaje|leccion|msj)|"
    r"(want no|don t want any|dont want any) (messages|texts|lessons)|"
    r"pa vle (okenn|ankenn) (mesaj|leson|sms)|"
    r"(ne )?veux plus participer|no quiero (seguir|participar)|"
    r"(don t|dont|do not) want to (participate|continue|take part)|pa vle patisipe anko|"
    r"(quitte\w*|kite|salgo de|salirme de|salir de|leave|leaving|quit|quitting)( \w+){0,2} "
    r"(programme|programa|pwogram|program|cours|curso|kou|course|lis|liste|lista|list))\b"
)


# The opt-out words on their own: outright requests, except where the message
# asks what such a word means ("what does unsubscribe mean in Spanish?").
_LEAVE_KEYWORDS = re.compile(
    r"\b(unsub\w*|unsuscri\w*|opt ?out|desuscrib\w*|desinscri\w*|desabonn?\w*|dezabon\w*)\b"
)


# Everyday ways to say it outright, beside those above: "ya no me interesa",
# "kite m anpe", "leave me alone", "j'en ai marre", "I never signed up".
_OUTRIGHT = re.compile(
    r"\b(ya no me interesa|no me interesa mas|kite m (anpe|trankil|tranquil)|leave me alone|"
    r"leave me in peace|laisse[rz]? moi (tranquille|en paix)|j en ai marre|ca suffit|"
    r"never signed up|nunca me inscribi|jamais inscrit|pa t janm enskri|borrenme|"
    r"(ya )?no quiero (recibir|mas|nada|las lecciones|los mensajes|mensajes)|"
    r"(je )?(ne )?veux plus (recevoir|rien|de vos|de messages)|"
    r"(m|mwen) pa vle resevwa|i don t want (to receive|any more|these)|"
    r"arretez tout|stop (it|all|everything)|unsubscribe me|desabonnez moi|"
    r"dezabone (m|mwen)|denme de baja|no me manden mas|dejen de escribirme|"
    r"(ya )?no voy a (participar|seguir|continuar)|que me quiten|no me llegue (mas|nada)|"
    # "Me retiro" alone or from the course; "me retiro a Colombia" is a move.
    r"me salgo (del|de este|de la|de los) (curso|programa|lista|grupo)|"
    r"me retiro (del|de este|de la|de los) (curso|programa|lista|grupo)|me retiro$|"
    r"je me retire (du|de ce|de la) (cours|programme|liste)|je me retire$|"
    r"pa vle fe pati anko|done with (these|the|this|your) (lessons|messages|course|texts)|"
    r"i want out|i m done|i want to unsubscribe|quiero (darme de baja|desuscribirme|salirme)|"
    r"je veux (me desabonner|me desinscrire)|m vle dezabone|m pa t enskri|"
    r"take me out of (the|this|your) list|sacame de la lista|basta ya$|ya basta$|"
    # After asking what a word means: "¿qué significa unsubscribe? eso es lo que quiero".
    r"eso es lo que quiero|that s what i want|c est ce que je veux|se sa m vle)\b"
)


def asks_outright(words: str, *, keywords: bool = True) -> bool:
    """The message also asks, in so many words, to stop our messages or to leave.

    The guards that are about something else (a place, a habit, a new phone, a
    friend, a bus, a day) step aside for it: "me voy pa Venezuela, ya no me
    manden nada" is a request to stop. ``keywords=False`` leaves the opt-out
    words on their own out, for a message that asks what one of them means.
    """
    if STOP_WRITING.search(words) or _ASKS_TO_LEAVE.search(words) or _OUTRIGHT.search(words):
        return True
    return keywords and _LEAVE_KEYWORDS.search(words) is not None
