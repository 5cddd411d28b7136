"""Spanish, French, Italian and Portuguese dialogue grammars (written for this project).

Nouns carry their article in the lexicon so templates never need agreement rules;
verb phrases are listed in the form their templates need (infinitive / past).
"""

from __future__ import annotations

from .grammar import Grammar

_SHARED = frozenset({"filler", "yes", "no"})

# fmt: off
SPANISH = Grammar(
    "es",
    {
        "question": (
            "¿Qué hiciste {time_past}?", "¿Quieres {activity} {time_future}?", "¿Dónde está {thing}?",
            "¿Has estado en {place}?", "¿Te gusta {food}?", "¿Cómo fue {event}?",
            "¿Viene {person} {time_future}?", "¿Por qué no me llamaste?", "¿Y luego qué pasó?",
            "¿Cuánto costó {thing}?", "¿Estás {feeling}?", "¿Vamos a {place} {time_future}?",
            "¿Quién te lo dijo?", "¿De verdad {person} dijo eso?", "¿Puedes ayudarme con {thing}?",
            "¿Qué piensas de {event}?", "¿A qué hora empieza?", "¿Prefieres {food} o {food}?",
            "¿Cuándo fue la última vez que fuiste a {place}?", "¿No era {adjective}?",
        ),
        "answer": (
            "{yes}, claro.", "{no}, todavía no.", "Sí, fue {adjective}.", "Quizás {time_future}.",
            "Creo que sí.", "Fue {person}.", "En {place}.", "{no}, estoy {feeling}.",
            "Más o menos.", "{yes}, {time_past}.", "No sé, la verdad.", "Unos {number} minutos.",
            "{yes}, me encanta {food}.", "{no}, fue {person}.",
        ),
        "statement": (
            "{time_past} fui a {place} con {person}.", "{filler} {person} quiere {activity} {time_future}.",
            "Creo que {opinion}.", "Estoy {feeling} porque {clause}.", "La verdad, {event} fue {adjective}.",
            "Tenemos que {activity} {time_future}.", "{person} me dijo que {clause}.",
            "No puedo creer que {clause_subj}.", "{filler} {clause}, y después {clause}.",
            "{food} de {place} estaba {adjective}.", "Dejé {thing} en {place}.",
            "Mi plan es {activity} {time_future}.", "Lo mejor fue cuando {clause}.",
            "Si me preguntas, {opinion}.", "Al final {clause}.", "Esperamos {number} horas para nada.",
            "{time_future} voy a {place} con {person}.", "Pues {clause}, así que {clause}.",
        ),
        "interjection": (
            "¡Ay!", "¡Vaya!", "¿En serio?", "¡No me digas!", "¡Qué bien!", "¡Madre mía!", "¿Cómo?",
            "¡Anda!", "¡Uy!", "¡Qué pena!",
        ),
        "backchannel": (
            "ajá", "sí", "claro", "vale", "ya", "sí, sí", "bueno", "exacto", "mhm, sí", "ya veo",
            "¿sí?", "ah, vale",
        ),
        "laugh": ("ja ja", "ja ja ja", "je je", "ja", "jaja ja"),
    },
    {
        "person": (
            "mi hermana", "mi hermano", "mi madre", "mi padre", "el vecino", "mi prima", "el jefe",
            "Lucía", "Carlos", "la profesora", "mi amigo Pablo", "Marta", "mi abuela", "Diego",
            "Elena",
        ),
        "place": (
            "la playa", "el mercado", "la oficina", "la biblioteca", "el gimnasio", "el parque",
            "la estación", "el aeropuerto", "el museo", "la montaña", "el centro", "el pueblo",
            "la panadería", "el río", "el estadio",
        ),
        "food": (
            "la paella", "la tortilla", "el gazpacho", "las croquetas", "el pescado", "la pizza",
            "el chocolate", "las empanadas", "el helado", "la sopa", "el pan", "los churros",
            "la ensalada", "el arroz", "el queso",
        ),
        "activity": (
            "ir a la playa", "ver una película", "jugar al tenis", "cocinar", "nadar", "leer",
            "pintar la cocina", "aprender guitarra", "ir de compras", "bailar", "correr",
            "limpiar el garaje", "visitar a mis abuelos", "hacer una fiesta", "estudiar",
        ),
        "thing": (
            "el coche", "mi móvil", "el ordenador", "las llaves", "el paraguas", "la cámara",
            "la cartera", "el mapa", "la maleta", "el regalo", "las entradas", "la lámpara",
        ),
        "event": (
            "el viaje", "la boda", "el partido", "el concierto", "la reunión", "el examen",
            "la fiesta", "la película", "la cena", "el cumpleaños",
        ),
        "time_past": (
            "ayer", "anoche", "la semana pasada", "el sábado", "esta mañana", "hace dos días",
            "el verano pasado", "el lunes", "el mes pasado", "el otro día",
        ),
        "time_future": (
            "mañana", "la semana que viene", "el domingo", "esta noche", "este fin de semana",
            "en verano", "después de comer", "el mes que viene", "el jueves", "pasado mañana",
        ),
        "adjective": (
            "increíble", "aburrido", "genial", "horrible", "bonito", "muy raro", "divertido",
            "carísimo", "tranquilo", "perfecto", "estupendo", "un desastre",
        ),
        "feeling": (
            "cansado", "contento", "nervioso", "aburrido", "preocupado", "tranquilo", "ocupado",
            "emocionado", "enfadado", "feliz",
        ),
        "opinion": (
            "es una buena idea", "vale la pena", "es demasiado caro", "necesitamos un descanso",
            "va a llover", "tiene razón", "no es tan difícil", "podría ser peor",
            "es mejor ir temprano", "eso no tiene sentido",
        ),
        "clause": (
            "perdí {thing}", "{person} llegó tarde", "fuimos a {place}", "empezó a llover",
            "no había nadie", "comimos {food}", "{thing} no funcionaba", "nos perdimos",
            "{person} se enfadó", "todo salió bien",
        ),
        "clause_subj": (
            "{person} venga", "sea tan caro", "no haya nadie", "llueva otra vez", "{thing} esté roto",
        ),
        "number": ("dos", "tres", "cinco", "diez", "veinte", "treinta", "cuarenta", "cincuenta"),
        "filler": ("bueno,", "pues,", "o sea,", "mira,", "eh,"),
        "yes": ("sí", "claro", "por supuesto", "vale", "sí, sí"),
        "no": ("no", "qué va", "para nada", "no, no"),
    },
    shared_lists=_SHARED,
)

FRENCH = Grammar(
    "fr",
    {
        "question": (
            "Qu'est-ce que tu as fait {time_past} ?", "Tu veux {activity} {time_future} ?",
            "Où est {thing} ?", "Tu es déjà allé {place_a} ?", "Tu aimes {food} ?",
            "C'était comment, {event} ?", "{person} vient {time_future} ?",
            "Pourquoi tu ne m'as pas appelé ?", "Et après, qu'est-ce qui s'est passé ?",
            "Combien a coûté {thing} ?", "Tu es {feeling} ?", "On va {place_a} {time_future} ?",
            "Qui t'a dit ça ?", "{person} a vraiment dit ça ?", "Tu peux m'aider avec {thing} ?",
            "Tu penses quoi de {event} ?", "Ça commence à quelle heure ?",
            "Tu préfères {food} ou {food} ?", "Ce n'était pas {adjective} ?", "Tu es sûr ?",
        ),
        "answer": (
            "{yes}, bien sûr.", "{no}, pas encore.", "Oui, c'était {adjective}.",
            "Peut-être {time_future}.", "Je crois, oui.", "C'était {person}.", "{place_a}.",
            "{no}, je suis {feeling}.", "Plus ou moins.", "{yes}, {time_past}.",
            "Je ne sais pas, franchement.", "À peu près {number} minutes.", "{yes}, j'adore {food}.",
            "{no}, c'était {person}.",
        ),
        "statement": (
            "{time_past}, je suis allé {place_a} avec {person}.",
            "{filler} {person} veut {activity} {time_future}.", "Je pense que {opinion}.",
            "Je suis {feeling} parce que {clause}.", "Franchement, {event} était {adjective}.",
            "Il faut {activity} {time_future}.", "{person} m'a dit que {clause}.",
            "Je n'arrive pas à croire que {clause}.", "{filler} {clause}, et ensuite {clause}.",
            "J'ai laissé {thing} {place_a}.", "Mon plan, c'est de {activity} {time_future}.",
            "Le mieux, c'était quand {clause}.", "Si tu veux mon avis, {opinion}.",
            "Au final, {clause}.", "On a attendu {number} heures pour rien.",
            "{time_future}, je vais {place_a} avec {person}.", "Bon, {clause}, donc {clause}.",
            "{food}, c'était {adjective}.",
        ),
        "interjection": (
            "Oh là là !", "Ah bon ?", "Sérieux ?", "Non ! ", "Super !", "Mon Dieu !", "Quoi ?",
            "Tiens !", "Oups !", "Dommage !",
        ),
        "backchannel": (
            "ouais", "oui", "d'accord", "voilà", "ah oui", "c'est ça", "mm oui", "exactement",
            "ah bon", "bien sûr", "je vois", "oui oui",
        ),
        "laugh": ("ha ha", "ha ha ha", "hé hé", "ha", "hi hi hi"),
    },
    {
        "person": (
            "ma sœur", "mon frère", "ma mère", "mon père", "le voisin", "ma cousine", "le patron",
            "Julie", "Thomas", "la prof", "mon ami Pierre", "Camille", "ma grand-mère", "Lucas",
            "Claire",
        ),
        "place_a": (
            "à la plage", "au marché", "au bureau", "à la bibliothèque", "à la gym", "au parc",
            "à la gare", "à l'aéroport", "au musée", "à la montagne", "en ville", "au village",
            "à la boulangerie", "au bord de la rivière", "au stade",
        ),
        "food": (
            "la quiche", "les crêpes", "le fromage", "la soupe", "le poisson", "la pizza",
            "le chocolat", "les croissants", "la glace", "la salade", "le pain", "les frites",
            "la tarte aux pommes", "le riz", "le gâteau",
        ),
        "activity": (
            "aller à la plage", "voir un film", "jouer au tennis", "faire la cuisine", "nager",
            "lire", "peindre la cuisine", "apprendre la guitare", "faire les courses", "danser",
            "courir", "ranger le garage", "voir mes grands-parents", "faire une fête", "réviser",
        ),
        "thing": (
            "la voiture", "mon portable", "l'ordinateur", "les clés", "le parapluie",
            "l'appareil photo", "mon portefeuille", "la carte", "la valise", "le cadeau",
            "les billets", "la lampe",
        ),
        "event": (
            "le voyage", "le mariage", "le match", "le concert", "la réunion", "l'examen",
            "la fête", "le film", "le dîner", "l'anniversaire",
        ),
        "time_past": (
            "hier", "hier soir", "la semaine dernière", "samedi", "ce matin", "il y a deux jours",
            "l'été dernier", "lundi", "le mois dernier", "l'autre jour",
        ),
        "time_future": (
            "demain", "la semaine prochaine", "dimanche", "ce soir", "cette semaine", "cet été",
            "après le déjeuner", "le mois prochain", "jeudi", "après-demain",
        ),
        "adjective": (
            "incroyable", "ennuyeux", "génial", "horrible", "magnifique", "bizarre", "drôle",
            "hors de prix", "calme", "parfait", "super", "une catastrophe",
        ),
        "feeling": (
            "fatigué", "content", "nerveux", "inquiet", "tranquille", "occupé", "impatient",
            "énervé", "heureux", "perdu",
        ),
        "opinion": (
            "c'est une bonne idée", "ça vaut le coup", "c'est trop cher", "on a besoin de repos",
            "il va pleuvoir", "il a raison", "ce n'est pas si difficile", "ça pourrait être pire",
            "il vaut mieux partir tôt", "ça n'a pas de sens",
        ),
        "clause": (
            "j'ai perdu {thing}", "{person} est arrivé en retard", "on est allés {place_a}",
            "il a commencé à pleuvoir", "il n'y avait personne", "on a mangé {food}",
            "{thing} ne marchait pas", "on s'est perdus", "{person} s'est fâché", "tout s'est bien passé",
        ),
        "number": ("deux", "trois", "cinq", "dix", "vingt", "trente", "quarante", "cinquante"),
        "filler": ("bon,", "alors,", "enfin,", "tu sais,", "euh,"),
        "yes": ("oui", "ouais", "bien sûr", "d'accord", "oui, oui"),
        "no": ("non", "pas du tout", "mais non", "non, non"),
    },
    shared_lists=_SHARED,
)

ITALIAN = Grammar(
    "it",
    {
        "question": (
            "Cosa hai fatto {time_past}?", "Vuoi {activity} {time_future}?", "Dov'è {thing}?",
            "Sei mai stato {place_a}?", "Ti piace {food}?", "Com'è andato {event}?",
            "{person} viene {time_future}?", "Perché non mi hai chiamato?", "E poi cosa è successo?",
            "Quanto è costato {thing}?", "Sei {feeling}?", "Andiamo {place_a} {time_future}?",
            "Chi te l'ha detto?", "Davvero {person} ha detto così?", "Mi aiuti con {thing}?",
            "Cosa ne pensi di {event}?", "A che ora comincia?", "Preferisci {food} o {food}?",
            "Non era {adjective}?", "Sei sicuro?",
        ),
        "answer": (
            "{yes}, certo.", "{no}, non ancora.", "Sì, è stato {adjective}.", "Forse {time_future}.",
            "Credo di sì.", "È stato {person}.", "{place_a}.", "{no}, sono {feeling}.", "Più o meno.",
            "{yes}, {time_past}.", "Non lo so, sinceramente.", "Circa {number} minuti.",
            "{yes}, adoro {food}.", "{no}, è stato {person}.",
        ),
        "statement": (
            "{time_past} sono andato {place_a} con {person}.",
            "{filler} {person} vuole {activity} {time_future}.", "Penso che {opinion}.",
            "Sono {feeling} perché {clause}.", "Sinceramente, {event} è stato {adjective}.",
            "Dobbiamo {activity} {time_future}.", "{person} mi ha detto che {clause}.",
            "Non ci posso credere, {clause}.", "{filler} {clause}, e poi {clause}.",
            "Ho lasciato {thing} {place_a}.", "Il mio piano è {activity} {time_future}.",
            "La parte migliore è stata quando {clause}.", "Secondo me, {opinion}.",
            "Alla fine {clause}.", "Abbiamo aspettato {number} ore per niente.",
            "{time_future} vado {place_a} con {person}.", "Allora, {clause}, quindi {clause}.",
            "{food} era {adjective}.",
        ),
        "interjection": (
            "Mamma mia!", "Davvero?", "Ma dai!", "No!", "Che bello!", "Oddio!", "Come?", "Accidenti!",
            "Ecco!", "Peccato!",
        ),
        "backchannel": (
            "sì", "certo", "esatto", "va bene", "ah sì", "già", "mm sì", "ho capito", "infatti",
            "sì sì", "davvero", "ok",
        ),
        "laugh": ("ah ah", "ah ah ah", "eh eh", "ah", "ih ih ih"),
    },
    {
        "person": (
            "mia sorella", "mio fratello", "mia madre", "mio padre", "il vicino", "mia cugina",
            "il capo", "Giulia", "Marco", "la professoressa", "il mio amico Luca", "Chiara",
            "mia nonna", "Paolo", "Sara",
        ),
        "place_a": (
            "al mare", "al mercato", "in ufficio", "in biblioteca", "in palestra", "al parco",
            "in stazione", "all'aeroporto", "al museo", "in montagna", "in centro", "al paese",
            "in panetteria", "al fiume", "allo stadio",
        ),
        "food": (
            "la pasta", "la pizza", "il risotto", "le lasagne", "il pesce", "il gelato",
            "il tiramisù", "la minestra", "il pane", "il formaggio", "l'insalata", "i biscotti",
            "la focaccia", "il caffè", "la torta",
        ),
        "activity": (
            "andare al mare", "vedere un film", "giocare a tennis", "cucinare", "nuotare", "leggere",
            "dipingere la cucina", "imparare la chitarra", "fare la spesa", "ballare", "correre",
            "pulire il garage", "trovare i nonni", "fare una festa", "studiare",
        ),
        "thing": (
            "la macchina", "il telefono", "il computer", "le chiavi", "l'ombrello",
            "la macchina fotografica", "il portafoglio", "la mappa", "la valigia", "il regalo",
            "i biglietti", "la lampada",
        ),
        "event": (
            "il viaggio", "il matrimonio", "la partita", "il concerto", "la riunione", "l'esame",
            "la festa", "il film", "la cena", "il compleanno",
        ),
        "time_past": (
            "ieri", "ieri sera", "la settimana scorsa", "sabato", "stamattina", "due giorni fa",
            "l'estate scorsa", "lunedì", "il mese scorso", "l'altro giorno",
        ),
        "time_future": (
            "domani", "la settimana prossima", "domenica", "stasera", "questo fine settimana",
            "quest'estate", "dopo pranzo", "il mese prossimo", "giovedì", "dopodomani",
        ),
        "adjective": (
            "incredibile", "noioso", "fantastico", "terribile", "bellissimo", "strano", "divertente",
            "carissimo", "tranquillo", "perfetto", "stupendo", "un disastro",
        ),
        "feeling": (
            "stanco", "contento", "nervoso", "preoccupato", "tranquillo", "occupato", "emozionato",
            "arrabbiato", "felice", "confuso",
        ),
        "opinion": (
            "è una buona idea", "ne vale la pena", "è troppo caro", "abbiamo bisogno di una pausa",
            "pioverà", "ha ragione", "non è così difficile", "poteva andare peggio",
            "è meglio partire presto", "non ha senso",
        ),
        "clause": (
            "ho perso {thing}", "{person} è arrivato tardi", "siamo andati {place_a}",
            "ha cominciato a piovere", "non c'era nessuno", "abbiamo mangiato {food}",
            "{thing} non funzionava", "ci siamo persi", "{person} si è arrabbiato", "è andato tutto bene",
        ),
        "number": ("due", "tre", "cinque", "dieci", "venti", "trenta", "quaranta", "cinquanta"),
        "filler": ("allora,", "cioè,", "insomma,", "sai,", "ehm,"),
        "yes": ("sì", "certo", "certamente", "va bene", "sì, sì"),
        "no": ("no", "per niente", "macché", "no, no"),
    },
    shared_lists=_SHARED,
)

PORTUGUESE = Grammar(
    "pt",
    {
        "question": (
            "O que você fez {time_past}?", "Quer {activity} {time_future}?", "Onde está {thing}?",
            "Você já foi {place_a}?", "Você gosta de {food}?", "Como foi {event}?",
            "{person} vem {time_future}?", "Por que você não me ligou?", "E depois, o que aconteceu?",
            "Quanto custou {thing}?", "Você está {feeling}?", "Vamos {place_a} {time_future}?",
            "Quem te disse isso?", "{person} disse isso mesmo?", "Pode me ajudar com {thing}?",
            "O que você acha de {event}?", "Que horas começa?", "Prefere {food} ou {food}?",
            "Não era {adjective}?", "Tem certeza?",
        ),
        "answer": (
            "{yes}, claro.", "{no}, ainda não.", "Sim, foi {adjective}.", "Talvez {time_future}.",
            "Acho que sim.", "Foi {person}.", "{place_a}.", "{no}, estou {feeling}.", "Mais ou menos.",
            "{yes}, {time_past}.", "Não sei, sinceramente.", "Uns {number} minutos.",
            "{yes}, adoro {food}.", "{no}, foi {person}.",
        ),
        "statement": (
            "{time_past} eu fui {place_a} com {person}.",
            "{filler} {person} quer {activity} {time_future}.", "Eu acho que {opinion}.",
            "Estou {feeling} porque {clause}.", "Sinceramente, {event} foi {adjective}.",
            "A gente precisa {activity} {time_future}.", "{person} me disse que {clause}.",
            "Não acredito que {clause}.", "{filler} {clause}, e depois {clause}.",
            "Deixei {thing} {place_a}.", "Meu plano é {activity} {time_future}.",
            "A melhor parte foi quando {clause}.", "Na minha opinião, {opinion}.", "No fim, {clause}.",
            "A gente esperou {number} horas à toa.", "{time_future} vou {place_a} com {person}.",
            "Então, {clause}, por isso {clause}.", "{food} estava {adjective}.",
        ),
        "interjection": (
            "Nossa!", "Sério?", "Não acredito!", "Que legal!", "Meu Deus!", "Como assim?", "Caramba!",
            "Opa!", "Puxa!", "Que pena!",
        ),
        "backchannel": (
            "sim", "claro", "é", "pois é", "ah é", "exato", "uhum", "entendi", "tá", "sei", "certo",
            "é mesmo",
        ),
        "laugh": ("ha ha", "ha ha ha", "he he", "ha", "hi hi hi"),
    },
    {
        "person": (
            "minha irmã", "meu irmão", "minha mãe", "meu pai", "o vizinho", "minha prima", "o chefe",
            "a Ana", "o Pedro", "a professora", "meu amigo João", "a Beatriz", "minha avó", "o Rafael",
            "a Luísa",
        ),
        "place_a": (
            "à praia", "ao mercado", "ao escritório", "à biblioteca", "à academia", "ao parque",
            "à estação", "ao aeroporto", "ao museu", "à serra", "ao centro", "à vila",
            "à padaria", "ao rio", "ao estádio",
        ),
        "food": (
            "feijoada", "pão de queijo", "bacalhau", "arroz", "peixe", "pizza", "chocolate",
            "pastel", "sorvete", "sopa", "pão", "brigadeiro", "salada", "frango", "bolo",
        ),
        "activity": (
            "ir à praia", "ver um filme", "jogar tênis", "cozinhar", "nadar", "ler",
            "pintar a cozinha", "aprender violão", "fazer compras", "dançar", "correr",
            "arrumar a garagem", "visitar meus avós", "fazer uma festa", "estudar",
        ),
        "thing": (
            "o carro", "meu celular", "o computador", "as chaves", "o guarda-chuva", "a câmera",
            "a carteira", "o mapa", "a mala", "o presente", "os ingressos", "a lâmpada",
        ),
        "event": (
            "a viagem", "o casamento", "o jogo", "o concerto", "a reunião", "a prova", "a festa",
            "o filme", "o jantar", "o aniversário",
        ),
        "time_past": (
            "ontem", "ontem à noite", "semana passada", "no sábado", "hoje de manhã",
            "há dois dias", "no verão passado", "na segunda", "mês passado", "outro dia",
        ),
        "time_future": (
            "amanhã", "semana que vem", "no domingo", "hoje à noite", "neste fim de semana",
            "no verão", "depois do almoço", "mês que vem", "na quinta", "depois de amanhã",
        ),
        "adjective": (
            "incrível", "chato", "ótimo", "horrível", "lindo", "estranho", "divertido", "caríssimo",
            "tranquilo", "perfeito", "maravilhoso", "um desastre",
        ),
        "feeling": (
            "cansado", "contente", "nervoso", "preocupado", "tranquilo", "ocupado", "animado",
            "bravo", "feliz", "confuso",
        ),
        "opinion": (
            "é uma boa ideia", "vale a pena", "é caro demais", "a gente precisa de uma pausa",
            "vai chover", "ele tem razão", "não é tão difícil", "podia ser pior",
            "é melhor sair cedo", "isso não faz sentido",
        ),
        "clause": (
            "perdi {thing}", "{person} chegou atrasado", "a gente foi {place_a}",
            "começou a chover", "não tinha ninguém", "a gente comeu {food}",
            "{thing} não funcionava", "a gente se perdeu", "{person} ficou bravo", "deu tudo certo",
        ),
        "number": ("dois", "três", "cinco", "dez", "vinte", "trinta", "quarenta", "cinquenta"),
        "filler": ("bom,", "então,", "tipo,", "sabe,", "olha,"),
        "yes": ("sim", "claro", "com certeza", "tá bom", "sim, sim"),
        "no": ("não", "de jeito nenhum", "nada", "não, não"),
    },
    shared_lists=_SHARED,
)
# fmt: on
