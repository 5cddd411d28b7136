"""Fixed sentences per language for tests and timing checks (written for this project).

Chosen to cover each language's sounds, with plenty of p/b/m for the lip
closure checks. Japanese is in kana (espeak-ng reads no kanji), Mandarin in
simplified characters.
"""

from __future__ import annotations

SENTENCES: dict[str, tuple[str, ...]] = {
    "en": (
        "Bobby bought a bumpy map in the market.",
        "My mother made plum pie for the boys.",
        "Please pass the paper bag before the bus arrives.",
        "We were away a year ago, when all our lawn was mowing.",
        "The quick brown fox jumps over the lazy dog.",
        "Did you see the huge ship in the harbour this morning?",
        "I think those thin threads should go through the loom.",
        "She measured the beige garage with a yellow ruler.",
        "Why would anyone choose a judge who chews gum?",
        "Maybe Pam will bring the big map home by Monday.",
        "Honestly, I never thought the movie would be that good!",
        "Could you put the box back up on the top shelf?",
        "Every evening we walked along the river, talking about books.",
        "Ok, so what happened after you left the party?",
        "Um, I am not sure, but maybe we could ask Bob.",
        "The weather was warm, so we ate lunch outside.",
        "Ten people came to the meeting, and nobody brought coffee.",
        "Remember to lock the back door before you go to bed.",
        "He played the piano beautifully at the wedding.",
        "Wow, that is amazing, tell me more about it!",
        "Pick up some bread and milk on your way home, please.",
        "They usually visit their grandparents in the summer.",
        "Which one do you want, the blue one or the purple one?",
        "My brother moved to Boston to become a baker.",
    ),
    "es": (
        "Mi madre compró pan y manzanas en el mercado.",
        "¿Dónde pusiste las llaves del coche ayer por la tarde?",
        "El perro de mi vecino ladra cada mañana.",
        "Bueno, vamos a buscar un buen bar para beber algo.",
        "Jorge viajó a Barcelona para ver a su abuela.",
        "¡Qué bonita está la playa hoy!",
    ),
    "fr": (
        "Ma mère a préparé une bonne soupe aux poireaux.",
        "Est-ce que tu veux venir au cinéma avec nous ce soir?",
        "Le petit bateau bleu flotte sur l'eau tranquille.",
        "Bonjour, je voudrais un pain au chocolat, s'il vous plaît.",
        "Nous avons mangé des moules et des frites à Bruxelles.",
        "Un bon vin blanc pour un beau dimanche.",
    ),
    "de": (
        "Meine Mutter backt morgen einen Apfelkuchen.",
        "Können Sie mir bitte sagen, wo der Bahnhof ist?",
        "Der Hund spielt mit dem großen blauen Ball im Park.",
        "Wir haben gestern Abend über das Buch gesprochen.",
        "Möchtest du Pfeffer oder lieber ein bisschen Salz?",
        "Fünf Brüder bauen ein Boot am Meer.",
    ),
    "it": (
        "Mia madre prepara la pasta ogni domenica.",
        "Possiamo prendere un caffè al bar vicino al ponte?",
        "Il bambino gioca con la palla bianca nel parco.",
        "Buongiorno, vorrei un biglietto per Milano, per favore.",
        "Ieri sera abbiamo mangiato una pizza buonissima.",
        "Che bella giornata per una passeggiata in montagna!",
    ),
    "pt": (
        "Minha mãe fez um bolo de banana para o almoço.",
        "Você pode me passar o pão, por favor?",
        "O menino brincava com a bola branca na praia.",
        "Bom dia, queremos uma mesa perto da janela.",
        "Ontem à noite nós vimos um filme muito bonito.",
        "Pedro comprou maçãs e peras no mercado.",
    ),
    "ja": (
        "わたし の はは は まいにち ぱん を たべます。",
        "あした いっしょに えいが を みませんか？",
        "ぼく は ぶんぽうぐ を たくさん もっています。",
        "すみません、えき は どこ ですか？",
        "きのう は あめ が ふって、とても さむかった です。",
        "みんな で ばんごはん を つくりましょう。",
    ),
    "cmn": (
        "我妈妈每天早上买面包。",
        "你明天想不想跟我们一起去看电影？",
        "北京的冬天比上海冷多了。",
        "请把那本书放在桌子上。",
        "我们昨天晚上吃了饺子和米饭。",
        "爸爸喜欢喝茶，不喜欢喝咖啡。",
    ),
}
