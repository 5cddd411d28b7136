"""German dialogue grammar (written for this project).

German case agreement is avoided by listing phrases in the case their slot needs:
``place_to`` (direction: "zum Markt"), ``place_at`` (location: "im Park"),
``thing_nom`` / ``thing_acc``.
"""

from __future__ import annotations

from .grammar import Grammar

# fmt: off
GERMAN = Grammar(
    "de",
    {
        "question": (
            "Was hast du {time_past} gemacht?", "Willst du {time_future} {activity}?",
            "Wo ist {thing_nom}?", "Warst du schon mal {place_at}?", "Magst du {food}?",
            "Wie war {event}?", "Kommt {person} {time_future}?", "Warum hast du nicht angerufen?",
            "Und was ist dann passiert?", "Wie viel hat {thing_nom} gekostet?", "Bist du {feeling}?",
            "Gehen wir {time_future} {place_to}?", "Wer hat dir das gesagt?",
            "Hat {person} das wirklich gesagt?", "Kannst du mir mit {thing_dat} helfen?",
            "Was hältst du von {event_dat}?", "Wann fängt es an?", "Lieber {food} oder {food}?",
            "War das nicht {adjective}?", "Bist du sicher?",
        ),
        "answer": (
            "{yes}, klar.", "{no}, noch nicht.", "Ja, es war {adjective}.", "Vielleicht {time_future}.",
            "Ich glaube schon.", "Das war {person}.", "{place_at}.", "{no}, ich bin {feeling}.",
            "Mehr oder weniger.", "{yes}, {time_past}.", "Keine Ahnung, ehrlich gesagt.",
            "Ungefähr {number} Minuten.", "{yes}, ich liebe {food}.", "{no}, das war {person}.",
        ),
        "statement": (
            "{time_past} war ich mit {person_dat} {place_at}.",
            "{filler} {person} will {time_future} {activity}.", "Ich glaube, {opinion}.",
            "Ich bin {feeling}, weil {clause_sub}.", "Ehrlich gesagt war {event} {adjective}.",
            "Wir müssen {time_future} {activity}.", "{person} hat mir erzählt, dass {clause_sub}.",
            "Ich kann nicht glauben, dass {clause_sub}.", "{filler} {clause}, und dann {clause_inv}.",
            "Ich habe {thing_acc} {place_at} vergessen.", "Mein Plan ist, {time_future} {activity_zu}.",
            "Das Beste war, als {clause_sub}.", "Wenn du mich fragst, {opinion}.",
            "Am Ende {clause_inv}.", "Wir haben {number} Stunden umsonst gewartet.",
            "{time_future} fahre ich mit {person_dat} {place_to}.", "Also, {clause}, deshalb {clause_inv}.",
            "{food} war {adjective}.",
        ),
        "interjection": (
            "Ach!", "Echt?", "Wirklich?", "Nein!", "Super!", "Oh Gott!", "Wie bitte?", "Mensch!",
            "Hoppla!", "Schade!",
        ),
        "backchannel": (
            "ja", "genau", "stimmt", "okay", "ach so", "ja ja", "mhm, ja", "klar", "richtig",
            "echt", "verstehe", "na ja",
        ),
        "laugh": ("ha ha", "ha ha ha", "he he", "ha", "hi hi hi"),
    },
    {
        "person": (
            "meine Schwester", "mein Bruder", "meine Mutter", "mein Vater", "der Nachbar",
            "meine Cousine", "der Chef", "Anna", "Jonas", "die Lehrerin", "mein Freund Felix",
            "Lena", "meine Oma", "Paul", "Sophie",
        ),
        "person_dat": (
            "meiner Schwester", "meinem Bruder", "meiner Mutter", "meinem Vater", "dem Nachbarn",
            "meiner Cousine", "dem Chef", "Anna", "Jonas", "der Lehrerin", "meinem Freund Felix",
            "Lena", "meiner Oma", "Paul", "Sophie",
        ),
        "place_at": (
            "am Strand", "auf dem Markt", "im Büro", "in der Bibliothek", "im Fitnessstudio",
            "im Park", "am Bahnhof", "am Flughafen", "im Museum", "in den Bergen", "in der Stadt",
            "im Dorf", "in der Bäckerei", "am Fluss", "im Stadion",
        ),
        "place_to": (
            "an den Strand", "auf den Markt", "ins Büro", "in die Bibliothek", "ins Fitnessstudio",
            "in den Park", "zum Bahnhof", "zum Flughafen", "ins Museum", "in die Berge",
            "in die Stadt", "ins Dorf", "zur Bäckerei", "an den Fluss", "ins Stadion",
        ),
        "food": (
            "Pizza", "Suppe", "Brezeln", "Kartoffelsalat", "Fisch", "Schokolade", "Apfelkuchen",
            "Eis", "Nudeln", "Käse", "Brot", "Würstchen", "Salat", "Reis", "Pfannkuchen",
        ),
        "activity": (
            "ins Kino gehen", "Tennis spielen", "kochen", "schwimmen", "lesen",
            "die Küche streichen", "Gitarre lernen", "einkaufen gehen", "tanzen", "joggen",
            "die Garage aufräumen", "meine Großeltern besuchen", "ein Fest feiern", "lernen",
            "wandern gehen",
        ),
        "activity_zu": (
            "ins Kino zu gehen", "Tennis zu spielen", "zu kochen", "zu schwimmen", "zu lesen",
            "die Küche zu streichen", "Gitarre zu lernen", "einkaufen zu gehen", "zu tanzen",
            "zu joggen", "die Garage aufzuräumen", "ein Fest zu feiern", "wandern zu gehen",
        ),
        "thing_nom": (
            "das Auto", "mein Handy", "der Computer", "der Schlüssel", "der Regenschirm",
            "die Kamera", "mein Geldbeutel", "die Karte", "der Koffer", "das Geschenk",
            "die Eintrittskarte", "die Lampe",
        ),
        "thing_acc": (
            "das Auto", "mein Handy", "den Computer", "den Schlüssel", "den Regenschirm",
            "die Kamera", "meinen Geldbeutel", "die Karte", "den Koffer", "das Geschenk",
            "die Eintrittskarte", "die Lampe",
        ),
        "thing_dat": (
            "dem Auto", "meinem Handy", "dem Computer", "dem Schlüssel", "dem Regenschirm",
            "der Kamera", "dem Koffer", "dem Geschenk", "der Lampe", "den Hausaufgaben",
        ),
        "event": (
            "die Reise", "die Hochzeit", "das Spiel", "das Konzert", "das Treffen", "die Prüfung",
            "das Fest", "der Film", "das Abendessen", "der Geburtstag",
        ),
        "event_dat": (
            "der Reise", "der Hochzeit", "dem Spiel", "dem Konzert", "dem Treffen", "der Prüfung",
            "dem Fest", "dem Film", "dem Abendessen", "dem Geburtstag",
        ),
        "time_past": (
            "gestern", "gestern Abend", "letzte Woche", "am Samstag", "heute Morgen",
            "vor zwei Tagen", "letzten Sommer", "am Montag", "letzten Monat", "neulich",
        ),
        "time_future": (
            "morgen", "nächste Woche", "am Sonntag", "heute Abend", "am Wochenende", "im Sommer",
            "nach dem Essen", "nächsten Monat", "am Donnerstag", "übermorgen",
        ),
        "adjective": (
            "unglaublich", "langweilig", "toll", "schrecklich", "wunderschön", "komisch", "lustig",
            "total teuer", "ruhig", "perfekt", "super", "eine Katastrophe",
        ),
        "feeling": (
            "müde", "froh", "nervös", "besorgt", "entspannt", "beschäftigt", "aufgeregt", "sauer",
            "glücklich", "verwirrt",
        ),
        "opinion": (
            "das ist eine gute Idee", "das lohnt sich", "das ist zu teuer",
            "wir brauchen eine Pause", "es wird regnen", "er hat recht", "so schwer ist das nicht",
            "es könnte schlimmer sein", "wir sollten früher los", "das ergibt keinen Sinn",
        ),
        "clause": (
            "ich habe {thing_acc} verloren", "{person} kam zu spät", "wir sind {place_to} gefahren",
            "es fing an zu regnen", "niemand war da", "wir haben {food} gegessen",
            "{thing_nom} ging kaputt", "wir haben uns verlaufen", "{person} war sauer",
            "alles ging gut",
        ),
        "clause_sub": (
            "ich {thing_acc} verloren habe", "{person} zu spät kam", "es angefangen hat zu regnen",
            "niemand da war", "{thing_nom} kaputt ist", "wir uns verlaufen haben",
            "{person} sauer war", "alles gut ging",
        ),
        "clause_inv": (
            "hat alles geklappt", "kam {person} doch noch", "waren wir alle {feeling}",
            "haben wir {food} gegessen", "ging {thing_nom} kaputt", "war es {adjective}",
        ),
        "number": ("zwei", "drei", "fünf", "zehn", "zwanzig", "dreißig", "vierzig", "fünfzig"),
        "filler": ("also,", "na ja,", "weißt du,", "ähm,", "naja,"),
        "yes": ("ja", "klar", "natürlich", "genau", "ja, ja"),
        "no": ("nein", "nö", "überhaupt nicht", "nein, nein"),
    },
    shared_lists=frozenset({"filler", "yes", "no"}),
)
# fmt: on
