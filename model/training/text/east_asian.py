"""Japanese and Mandarin dialogue grammars (written for this project), in their own scripts.

Japanese is written in kana only, with spaces between phrases: espeak-ng's Japanese
voice reads hiragana and katakana but names each kanji as "Chinese letter". Mandarin
is written in simplified characters without spaces; espeak-ng reads characters with
the ``cmn-latn-pinyin`` voice (the plain ``cmn`` voice of espeak-ng 1.51 reads the
pinyin it derives as English letters).
"""

from __future__ import annotations

from .grammar import Grammar

# fmt: off
JAPANESE = Grammar(
    "ja",
    {
        "question": (
            "{time_past} なにを しましたか？", "{time_future} いっしょに {activity}ませんか？",
            "{thing} は どこですか？", "{place} に いったこと が ありますか？",
            "{food} は すきですか？", "{event} は どうでしたか？", "{person} も きますか？",
            "どうして でんわ しなかったの？", "それで どうなったの？", "{thing} は いくらでしたか？",
            "だいじょうぶ ですか？", "{time_future} {place} に いきませんか？",
            "だれが そう いったの？", "ほんとうに {person} が そう いったの？",
            "{food} と {food}、どっち が いい？", "なんじ から ですか？",
            "{adjective} じゃ なかった？", "ほんとう に？",
        ),
        "answer": (
            "{yes}、そうです。", "{no}、まだです。", "はい、{adjective} でした。",
            "{time_future} かな。", "たぶん そう だと おもいます。", "{person} でした。",
            "{place} です。", "{no}、ちょっと {feeling}。", "まあまあ です。", "{yes}、{time_past}。",
            "わかりません。", "{number} ぷん ぐらい です。", "{yes}、{food} が だいすきです。",
        ),
        "statement": (
            "{time_past} {person} と {place} に いきました。", "{filler} {time_past} {food} を たべました。",
            "{event} は {adjective} でした。", "{time_future} {activity}たい です。",
            "{person} が {clause} って いってました。", "{filler} {clause}、それから {clause}。",
            "{thing} を {place} に わすれました。", "{time_future} {person} と {place} に いきます。",
            "きょう は ちょっと {feeling}。", "{food} は ほんとう に {adjective} でした。",
            "{number} じかん も まちました。", "さいご に {clause}。", "わたし は {opinion} と おもいます。",
            "{time_past} {clause}。", "やっぱり {opinion}。", "{person} は {feeling} みたい です。",
            "じつ は {clause}。", "まあ、{opinion} ね。",
        ),
        "interjection": (
            "え？", "えー！", "ほんとう？", "すごい！", "うそ！", "あら！", "まさか！", "やった！",
            "あれ？", "ざんねん！",
        ),
        "backchannel": (
            "うん", "はい", "そう", "そうですね", "なるほど", "ええ", "うんうん", "へえ", "そうそう",
            "たしかに", "ふうん", "そっか",
        ),
        "laugh": ("はは", "ははは", "ふふ", "へへへ", "あはは"),
    },
    {
        "person": (
            "あね", "あに", "はは", "ちち", "となり の ひと", "いとこ", "ぶちょう", "たなかさん",
            "すずきさん", "せんせい", "ともだち", "さとうさん", "そぼ", "けんさん", "ゆきさん",
        ),
        "place": (
            "うみ", "スーパー", "かいしゃ", "としょかん", "ジム", "こうえん", "えき", "くうこう",
            "びじゅつかん", "やま", "まち", "いなか", "パンや", "かわ", "スタジアム",
        ),
        "food": (
            "すし", "ラーメン", "カレー", "てんぷら", "うどん", "ケーキ", "パン", "おにぎり",
            "そば", "ピザ", "やきとり", "みそしる", "アイス", "たこやき", "おこのみやき",
        ),
        "activity": (
            "えいが を み", "テニス を し", "りょうり を つくり", "およぎ に いき", "ほん を よみ",
            "かいもの に いき", "カラオケ に いき", "さんぽ し", "ゲーム を し", "やま に のぼり",
            "ピアノ を ひき", "しゃしん を とり",
        ),
        "thing": (
            "くるま", "けいたい", "パソコン", "かぎ", "かさ", "カメラ", "さいふ", "ちず", "かばん",
            "プレゼント", "チケット", "めがね",
        ),
        "event": (
            "りょこう", "けっこんしき", "しあい", "コンサート", "かいぎ", "しけん", "パーティー",
            "えいが", "ばんごはん", "たんじょうび",
        ),
        "time_past": (
            "きのう", "ゆうべ", "せんしゅう", "どようび に", "けさ", "おととい", "きょねん の なつ",
            "げつようび に", "せんげつ", "このあいだ",
        ),
        "time_future": (
            "あした", "らいしゅう", "にちようび に", "こんばん", "こんど の しゅうまつ", "なつ に",
            "ひるごはん の あと", "らいげつ", "もくようび に", "あさって",
        ),
        "adjective": (
            "すごく たのしい", "つまらない", "すばらしい", "ひどい", "きれい", "へん", "おもしろい",
            "たかい", "しずか", "さいこう",
        ),
        "feeling": (
            "つかれた", "うれしい", "きんちょう してる", "しんぱい", "いそがしい", "ねむい",
            "おなか が すいた", "さむい", "たのしみ", "こまってる",
        ),
        "opinion": (
            "いい かんがえ だ", "やって みる かち が ある", "ちょっと たかすぎる", "やすみ が ひつよう だ",
            "あめ が ふる", "かれ の いう とおり だ", "そんな に むずかしく ない",
            "もっと はやく いく べき だ", "しかた が ない", "だいじょうぶ だ",
        ),
        "clause": (
            "{thing} を なくしました", "{person} が おくれて きました", "{place} に いきました",
            "あめ が ふって きました", "だれ も いません でした", "{food} を たべました",
            "{thing} が こわれました", "みち に まよいました", "{person} が おこりました",
            "ぜんぶ うまく いきました",
        ),
        "number": ("に", "さん", "ご", "じゅう", "にじゅう", "さんじゅう"),
        "filler": ("ええと、", "あのう、", "まあ、", "それで、", "なんか、"),
        "yes": ("はい", "うん", "ええ", "そうそう"),
        "no": ("いいえ", "ううん", "いや", "ぜんぜん"),
    },
    shared_lists=frozenset({"filler", "yes", "no", "number"}),
    capitalize=False,
)

MANDARIN = Grammar(
    "cmn",
    {
        "question": (
            "你{time_past}做什么了？", "{time_future}你想{activity}吗？", "{thing}在哪儿？",
            "你去过{place}吗？", "你喜欢吃{food}吗？", "{event}怎么样？", "{person}{time_future}来吗？",
            "你为什么没给我打电话？", "后来怎么样了？", "{thing}多少钱？", "你是不是{feeling}？",
            "我们{time_future}去{place}吧？", "谁告诉你的？", "{person}真的这么说吗？",
            "你能帮我看看{thing}吗？", "你觉得{event}怎么样？", "几点开始？", "你想吃{food}还是{food}？",
            "不是挺{adjective}的吗？", "真的吗？",
        ),
        "answer": (
            "{yes}，当然。", "{no}，还没有。", "是啊，挺{adjective}的。", "也许{time_future}吧。",
            "我觉得是。", "是{person}。", "在{place}。", "{no}，我有点儿{feeling}。", "还行吧。",
            "{yes}，{time_past}。", "我也不知道。", "大概{number}分钟。", "{yes}，我最喜欢{food}了。",
            "{no}，是{person}。",
        ),
        "statement": (
            "{time_past}我和{person}去{place}了。", "{filler}{person}{time_future}想{activity}。",
            "我觉得{opinion}。", "我有点儿{feeling}，因为{clause}。", "说实话，{event}挺{adjective}的。",
            "我们{time_future}得{activity}。", "{person}跟我说{clause}。", "真没想到{clause}。",
            "{filler}{clause}，然后{clause}。", "我把{thing}忘在{place}了。",
            "我打算{time_future}{activity}。", "最好玩的是{clause}。", "要我说，{opinion}。",
            "最后{clause}。", "我们白等了{number}个小时。", "{time_future}我要跟{person}去{place}。",
            "所以{clause}，{clause}。", "{place}的{food}特别{adjective}。",
        ),
        "interjection": (
            "哇！", "天哪！", "啊？", "真的？", "不会吧！", "哎呀！", "哦！", "什么？", "太好了！",
            "好可惜！",
        ),
        "backchannel": (
            "嗯", "对", "是啊", "哦", "好的", "对对对", "是吗", "没错", "嗯嗯", "明白", "就是", "好",
        ),
        "laugh": ("哈哈", "哈哈哈", "呵呵", "嘿嘿", "哈哈哈哈"),
    },
    {
        "person": (
            "我姐姐", "我哥哥", "我妈妈", "我爸爸", "邻居", "我表妹", "老板", "小王", "李老师",
            "我的朋友", "张阿姨", "小刘", "我奶奶", "老陈", "小美",
        ),
        "place": (
            "海边", "超市", "公司", "图书馆", "健身房", "公园", "火车站", "机场", "博物馆", "山上",
            "市中心", "乡下", "面包店", "河边", "体育馆",
        ),
        "food": (
            "饺子", "面条", "火锅", "包子", "烤鸭", "蛋糕", "米饭", "披萨", "水果", "冰淇淋",
            "馄饨", "炒饭", "豆腐", "烧烤", "月饼",
        ),
        "activity": (
            "看电影", "打篮球", "做饭", "游泳", "看书", "爬山", "买东西", "唱歌", "跑步", "学中文",
            "打扫房间", "去旅游", "弹钢琴", "拍照片", "钓鱼",
        ),
        "thing": (
            "车", "手机", "电脑", "钥匙", "雨伞", "相机", "钱包", "地图", "行李箱", "礼物", "电影票", "眼镜",
        ),
        "event": (
            "旅行", "婚礼", "比赛", "音乐会", "会议", "考试", "聚会", "那部电影", "晚饭", "生日派对",
        ),
        "time_past": (
            "昨天", "昨天晚上", "上个星期", "星期六", "今天早上", "前天", "去年夏天", "星期一",
            "上个月", "前几天",
        ),
        "time_future": (
            "明天", "下个星期", "星期天", "今天晚上", "这个周末", "夏天", "吃完午饭", "下个月",
            "星期四", "后天",
        ),
        "adjective": ("好玩", "无聊", "棒", "糟糕", "漂亮", "奇怪", "有意思", "贵", "安静", "好吃"),
        "feeling": ("累", "高兴", "紧张", "担心", "忙", "困", "饿", "冷", "激动", "生气"),
        "opinion": (
            "这是个好主意", "值得试试", "太贵了", "我们需要休息一下", "要下雨了", "他说得对",
            "没那么难", "可能会更糟", "我们应该早点儿走", "这没道理",
        ),
        "clause": (
            "我把{thing}弄丢了", "{person}迟到了", "我们去了{place}", "下起雨来了", "一个人都没有",
            "我们吃了{food}", "{thing}坏了", "我们迷路了", "{person}生气了", "一切都挺顺利",
        ),
        "number": ("两", "三", "五", "十", "二十", "三十"),
        "filler": ("那个，", "就是说，", "嗯，", "然后，", "你知道吗，"),
        "yes": ("是", "对", "嗯", "好啊"),
        "no": ("不", "没有", "不是", "不用"),
    },
    shared_lists=frozenset({"filler", "yes", "no", "number"}),
    capitalize=False,
    joiner="",
)
# fmt: on
