"""Wording for the generated background week (:mod:`benchmarks.background_week`).

Eight kinds of everyday chip news, each with titles and summaries in six languages.
Slots: ``{co}`` company, ``{chip}`` a product, ``{n}`` and ``{m}`` figures, ``{place}``,
``{customer}``, ``{agency}``, ``{reason}``, ``{matter}`` (each localised from the tables
below). Every sentence was written for chipwatch.
"""

from __future__ import annotations

LANGS = ("en", "fr", "de", "es", "ja", "zh")

# name in en/fr/de/es, ja, zh
COMPANIES: dict[str, tuple[str, str, str]] = {
    "NVIDIA": ("Nvidia", "エヌビディア", "英伟达"),
    "AMD": ("AMD", "AMD", "AMD"),
    "Huawei": ("Huawei", "ファーウェイ", "华为"),
    "SMIC": ("SMIC", "SMIC", "中芯国际"),
    "TSMC": ("TSMC", "TSMC", "台积电"),
    "Intel": ("Intel", "インテル", "英特尔"),
    "Cambricon": ("Cambricon", "カンブリコン", "寒武纪"),
    "ASML": ("ASML", "ASML", "阿斯麦"),
    "Micron": ("Micron", "マイクロン", "美光"),
    "Samsung": ("Samsung", "サムスン電子", "三星电子"),
}
# (company, product) pairs a kind can plausibly name
ORDERED = (
    ("NVIDIA", "H20"),
    ("NVIDIA", "H200"),
    ("NVIDIA", "RTX Pro 6000D"),
    ("Huawei", "Ascend 910C"),
    ("AMD", "MI308"),
    ("Cambricon", "Siyuan 590"),
)
LAUNCHED = (
    ("NVIDIA", "RTX Pro 6000D"),
    ("NVIDIA", "GB300"),
    ("AMD", "MI350"),
    ("Huawei", "Ascend 920"),
    ("Cambricon", "Siyuan 690"),
    ("Intel", "Gaudi 3"),
    ("Micron", "HBM4"),
    ("Samsung", "HBM4"),
)
SMUGGLED = (("NVIDIA", "H100"), ("NVIDIA", "H200"), ("NVIDIA", "GB200"), ("AMD", "MI300X"))
# The company slot is NVIDIA about half the time, as in a real week of this beat.
COMPANY_WEIGHTS = {
    "NVIDIA": 55,
    "AMD": 9,
    "Huawei": 9,
    "SMIC": 6,
    "TSMC": 8,
    "Intel": 5,
    "Cambricon": 5,
    "ASML": 5,
    "Micron": 4,
    "Samsung": 4,
}

PLACES = {  # en, fr (as a place where: "en Chine"), de, es, ja, zh
    "China": ("China", "en Chine", "China", "China", "中国", "中国"),
    "Malaysia": ("Malaysia", "en Malaisie", "Malaysia", "Malasia", "マレーシア", "马来西亚"),
    "Singapore": ("Singapore", "à Singapour", "Singapur", "Singapur", "シンガポール", "新加坡"),
    "Japan": ("Japan", "au Japon", "Japan", "Japón", "日本", "日本"),
    "Arizona": ("Arizona", "en Arizona", "Arizona", "Arizona", "アリゾナ州", "亚利桑那州"),
    "Germany": ("Germany", "en Allemagne", "Deutschland", "Alemania", "ドイツ", "德国"),
    "India": ("India", "en Inde", "Indien", "India", "インド", "印度"),
    "Vietnam": ("Vietnam", "au Vietnam", "Vietnam", "Vietnam", "ベトナム", "越南"),
}
FAB_PLACES = {
    "China": 40,
    "Arizona": 15,
    "Japan": 10,
    "Germany": 10,
    "India": 10,
    "Malaysia": 8,
    "Singapore": 7,
}
TRANSIT_PLACES = ("Malaysia", "Singapore", "Vietnam", "India")
DATACENTRE_PLACES = {"China": 60, "Malaysia": 20, "Singapore": 10, "India": 10}
CUSTOMERS = {  # en/fr/de/es, ja, zh
    "ByteDance": ("ByteDance", "バイトダンス", "字节跳动"),
    "Alibaba": ("Alibaba", "アリババ", "阿里巴巴"),
    "Tencent": ("Tencent", "テンセント", "腾讯"),
    "Baidu": ("Baidu", "百度", "百度"),
    "JD.com": ("JD.com", "京東", "京东"),
}
AGENCIES = {  # en, fr, de, es, ja, zh
    "BIS": (
        "the Commerce Department",
        "le département du Commerce",
        "das US-Handelsministerium",
        "el Departamento de Comercio",
        "米商務省",
        "美国商务部",
    ),
    "MOFCOM": (
        "China's commerce ministry",
        "le ministère chinois du Commerce",
        "das chinesische Handelsministerium",
        "el Ministerio de Comercio chino",
        "中国商務省",
        "中国商务部",
    ),
    "SAMR": (
        "China's market regulator",
        "le régulateur chinois de la concurrence",
        "die chinesische Marktaufsicht",
        "el regulador chino de la competencia",
        "中国の市場監督当局",
        "国家市场监督管理总局",
    ),
    "EU": (
        "the European Commission",
        "la Commission européenne",
        "die EU-Kommission",
        "la Comisión Europea",
        "欧州委員会",
        "欧盟委员会",
    ),
}
REASONS_UP = {  # en, fr, de (nominative), es, ja, zh
    "upgrade": (
        "a broker upgrade",
        "le relèvement d'une recommandation",
        "eine Kaufempfehlung",
        "la mejora de una recomendación",
        "証券会社の格上げ",
        "券商上调评级",
    ),
    "order": (
        "news of a large order",
        "l'annonce d'une grosse commande",
        "ein Großauftrag",
        "la noticia de un gran pedido",
        "大型受注の報道",
        "大额订单消息",
    ),
}
REASONS_DOWN = {
    "china": (
        "worries over China sales",
        "des inquiétudes sur les ventes en Chine",
        "die Sorge um das China-Geschäft",
        "la inquietud por las ventas en China",
        "中国販売への懸念",
        "对华销售的担忧",
    ),
    "selloff": (
        "a broad tech sell-off",
        "un repli général de la tech",
        "ein breiter Ausverkauf bei Technologiewerten",
        "una caída general del sector tecnológico",
        "ハイテク株の全面安",
        "科技股普跌",
    ),
}
MATTERS = {  # en, fr, de (nominative), es, ja, zh
    "pricing": (
        "its pricing practices",
        "ses pratiques tarifaires",
        "seine Preispraxis",
        "sus prácticas de precios",
        "価格設定の慣行",
        "定价行为",
    ),
    "security": (
        "suspected security flaws",
        "des failles de sécurité présumées",
        "mutmaßliche Sicherheitslücken",
        "presuntos fallos de seguridad",
        "安全上の欠陥の疑い",
        "涉嫌安全漏洞",
    ),
    "dumping": (
        "alleged dumping of older chips",
        "un dumping présumé de puces anciennes",
        "mutmaßliches Dumping älterer Chips",
        "un presunto dumping de chips antiguos",
        "旧世代半導体の不当廉売の疑い",
        "涉嫌倾销成熟制程芯片",
    ),
}

# kind → lang → (title templates, summary templates)
TEMPLATES: dict[str, dict[str, tuple[tuple[str, ...], tuple[str, ...]]]] = {
    "shares_up": {
        "en": (
            ("{co} shares jump {n}% on {reason}", "{co} stock climbs {n}% after {reason}"),
            (
                "Shares of {co} rose {n}% in New York trading, lifted by {reason}. About {m} million shares changed hands.",
            ),
        ),
        "fr": (
            ("{co} bondit de {n} % en Bourse", "L'action {co} gagne {n} % après {reason}"),
            (
                "Le titre {co} a progressé de {n} % à Wall Street, porté par {reason}. Quelque {m} millions d'actions ont changé de mains.",
            ),
        ),
        "de": (
            ("{co}-Aktie steigt um {n} Prozent", "Kurssprung bei {co}: plus {n} Prozent"),
            (
                "Die Papiere von {co} legten um {n} Prozent zu; Auslöser war {reason}. Gehandelt wurden rund {m} Millionen Aktien.",
            ),
        ),
        "es": (
            ("Las acciones de {co} suben un {n} %",),
            (
                "Los títulos de {co} avanzaron un {n} % impulsados por {reason}, con unos {m} millones de acciones negociadas.",
            ),
        ),
        "ja": (
            ("{co}株が{n}%高　{reason}で",),
            ("{co}の株価が{n}%上昇した。{reason}が材料視され、売買高は約{m}00万株に膨らんだ。",),
        ),
        "zh": (("{co}股价大涨{n}%",), ("受{reason}提振，{co}股价上涨{n}%，成交量约{m}00万股。",)),
    },
    "shares_down": {
        "en": (
            ("{co} shares slide {n}% on {reason}", "{co} falls {n}% amid {reason}"),
            (
                "{co} stock dropped {n}% on {reason}, wiping roughly ${m} billion off its market value.",
            ),
        ),
        "fr": (
            ("{co} chute de {n} % en Bourse", "L'action {co} recule de {n} %"),
            (
                "Le titre {co} a cédé {n} %, plombé par {reason}, effaçant environ {m} milliards de dollars de capitalisation.",
            ),
        ),
        "de": (
            ("{co}-Aktie fällt um {n} Prozent",),
            (
                "Die Aktie von {co} verlor {n} Prozent, belastet hat {reason}; rund {m} Milliarden Dollar Börsenwert gingen verloren.",
            ),
        ),
        "es": (
            ("Las acciones de {co} caen un {n} %",),
            (
                "Los títulos de {co} retrocedieron un {n} % por {reason}, y su valor bursátil se redujo en unos {m} mil millones de dólares.",
            ),
        ),
        "ja": (
            ("{co}株が{n}%安",),
            ("{co}の株価は{reason}を受けて{n}%下落し、時価総額が約{m}0億ドル減った。",),
        ),
        "zh": (
            ("{co}股价下跌{n}%",),
            ("受{reason}影响，{co}股价下跌{n}%，市值蒸发约{m}0亿美元。",),
        ),
    },
    "results": {
        "en": (
            ("{co} revenue rises {n}% to ${m} billion", "{co} beats forecasts with ${m}bn quarter"),
            (
                "{co} reported quarterly revenue of ${m} billion, up {n}% from a year earlier, helped by demand for AI hardware.",
            ),
        ),
        "fr": (
            ("{co} : chiffre d'affaires en hausse de {n} %",),
            (
                "{co} a publié un chiffre d'affaires trimestriel de {m} milliards de dollars, en hausse de {n} % sur un an, grâce à la demande liée à l'IA.",
            ),
        ),
        "de": (
            ("{co} steigert Umsatz um {n} Prozent",),
            (
                "{co} meldete einen Quartalsumsatz von {m} Milliarden Dollar, {n} Prozent mehr als vor einem Jahr.",
            ),
        ),
        "es": (
            ("{co} eleva sus ingresos un {n} %",),
            (
                "{co} ingresó {m} mil millones de dólares en el trimestre, un {n} % más que un año antes.",
            ),
        ),
        "ja": (
            ("{co}、四半期売上高{n}%増",),
            ("{co}の四半期売上高は前年同期比{n}%増の{m}0億ドルとなった。AI向けの需要が伸びた。",),
        ),
        "zh": (
            ("{co}季度营收增长{n}%",),
            ("{co}公布季度营收{m}0亿美元，同比增长{n}%，主要受人工智能需求推动。",),
        ),
    },
    "order": {
        "en": (
            (
                "{customer} orders {n},000 {co} {chip} chips",
                "{co} lands {customer} order for {n},000 {chip} units",
            ),
            (
                "{customer} has placed an order for about {n},000 {chip} processors from {co} for its data centres in China, people familiar with the deal said, worth roughly ${m} billion.",
            ),
        ),
        "fr": (
            ("{customer} commande {n} 000 puces {chip} à {co}",),
            (
                "Selon des sources proches du dossier, {customer} a commandé environ {n} 000 processeurs {chip} à {co} pour ses centres de données en Chine, pour près de {m} milliards de dollars.",
            ),
        ),
        "de": (
            ("{customer} bestellt {n}.000 {chip}-Chips bei {co}",),
            (
                "{customer} hat bei {co} rund {n}.000 {chip}-Prozessoren für seine Rechenzentren in China bestellt, im Wert von etwa {m} Milliarden Dollar, wie Insider berichten.",
            ),
        ),
        "es": (
            ("{customer} encarga {n}.000 chips {chip} a {co}",),
            (
                "{customer} ha encargado unos {n}.000 procesadores {chip} a {co} para sus centros de datos en China, por cerca de {m} mil millones de dólares, según fuentes del sector.",
            ),
        ),
        "ja": (
            ("{customer}、{co}の{chip}を{n}000個発注",),
            (
                "関係者によると、中国の{customer}は{co}に{chip}を約{n}000個発注した。金額は約{m}0億ドル。",
            ),
        ),
        "zh": (
            ("{customer}向{co}订购{n}000颗{chip}",),
            (
                "知情人士称，{customer}已向{co}订购约{n}000颗{chip}芯片，用于其在中国的数据中心，金额约{m}0亿美元。",
            ),
        ),
    },
    "fab": {
        "en": (
            (
                "{co} to invest ${n} billion in {place} plant",
                "{co} picks {place} for ${n}bn chip site",
            ),
            (
                "{co} will spend ${n} billion on a new facility in {place}, creating about {m},000 jobs, the company said.",
            ),
        ),
        "fr": (
            ("{co} va investir {n} milliards de dollars {place}",),
            (
                "{co} consacrera {n} milliards de dollars à un nouveau site {place}, qui doit créer environ {m} 000 emplois.",
            ),
        ),
        "de": (
            ("{co} investiert {n} Milliarden Dollar in {place}",),
            (
                "{co} will {n} Milliarden Dollar in ein neues Werk in {place} stecken; rund {m}.000 Stellen sollen entstehen.",
            ),
        ),
        "es": (
            ("{co} invertirá {n} mil millones de dólares en {place}",),
            (
                "{co} destinará {n} mil millones de dólares a una nueva planta en {place}, que creará unos {m}.000 empleos.",
            ),
        ),
        "ja": (
            ("{co}、{place}に{n}0億ドル投資へ",),
            (
                "{co}は{place}に約{n}0億ドルを投じて新拠点を建設すると発表した。約{m}000人を雇用する。",
            ),
        ),
        "zh": (
            ("{co}将在{place}投资{n}0亿美元",),
            ("{co}宣布将在{place}投资约{n}0亿美元建设新工厂，预计创造约{m}000个就业岗位。",),
        ),
    },
    "smuggling": {
        "en": (
            (
                "{n} charged with smuggling {chip} chips to China via {place}",
                "US charges {n} over {chip} smuggling ring",
            ),
            (
                "Prosecutors said the {n} defendants shipped {co} {chip} processors worth about ${m} million to China through companies in {place}, in breach of export controls.",
            ),
        ),
        "fr": (
            ("{n} personnes inculpées pour contrebande de puces {chip}",),
            (
                "Selon le parquet américain, les {n} prévenus ont acheminé vers la Chine des processeurs {chip} de {co} d'une valeur d'environ {m} millions de dollars, par des sociétés établies {place}.",
            ),
        ),
        "de": (
            ("Anklage gegen {n} Personen wegen Schmuggel von {chip}-Chips",),
            (
                "Die {n} Beschuldigten sollen {chip}-Prozessoren von {co} im Wert von rund {m} Millionen Dollar über {place} nach China geschleust haben.",
            ),
        ),
        "es": (
            ("Acusan a {n} personas de contrabando de chips {chip}",),
            (
                "Los {n} acusados enviaron a China procesadores {chip} de {co} por unos {m} millones de dólares a través de {place}, según la fiscalía.",
            ),
        ),
        "ja": (
            ("{chip}を中国へ密輸、{n}人を起訴",),
            (
                "米検察によると、{n}人は{place}の企業を経由して{co}の{chip}約{m}00万ドル分を中国に不正輸出した。",
            ),
        ),
        "zh": (
            ("美国起诉{n}人涉嫌向中国走私{chip}芯片",),
            (
                "美国检方称，{n}名被告通过{place}的公司向中国转运价值约{m}00万美元的{co}{chip}芯片。",
            ),
        ),
    },
    "launch": {
        "en": (
            ("{co} unveils {chip} for data centres", "{co} launches {chip}, eyeing Chinese buyers"),
            (
                "{co} introduced the {chip}, saying it delivers {n}% more performance per watt than its predecessor; shipments begin in {m} weeks, including to customers in China.",
            ),
        ),
        "fr": (
            ("{co} dévoile sa puce {chip}",),
            (
                "{co} a présenté la {chip}, qui offrirait {n} % de performances par watt en plus que la génération précédente ; livraisons dans {m} semaines.",
            ),
        ),
        "de": (
            ("{co} stellt {chip} vor",),
            (
                "{co} hat den {chip} vorgestellt, der {n} Prozent effizienter als der Vorgänger sein soll; Auslieferung in {m} Wochen.",
            ),
        ),
        "es": (
            ("{co} presenta el chip {chip}",),
            (
                "{co} presentó el {chip}, con un {n} % más de rendimiento por vatio que su predecesor; los envíos empezarán en {m} semanas.",
            ),
        ),
        "ja": (
            ("{co}、新型{chip}を発表",),
            (
                "{co}は新型の{chip}を発表した。電力効率は前世代比{n}%向上し、{m}週間後に出荷を始める。",
            ),
        ),
        "zh": (
            ("{co}发布{chip}",),
            ("{co}发布{chip}，称其能效比上一代提升{n}%，将于{m}周后开始供货。",),
        ),
    },
    "probe": {
        "en": (
            ("{agency} opens probe into {co} over {matter}", "{co} faces {agency} investigation"),
            (
                "{agency} has started an inquiry into {co} over {matter}, with a decision expected within {m} months.",
            ),
        ),
        "fr": (
            ("{co} visé par une enquête",),
            (
                "{agency} a ouvert une enquête visant {co} pour {matter} ; une décision est attendue d'ici {m} mois.",
            ),
        ),
        "de": (
            ("Ermittlungen gegen {co}",),
            (
                "{agency} hat ein Verfahren gegen {co} eingeleitet. Es geht um {matter}; eine Entscheidung wird in {m} Monaten erwartet.",
            ),
        ),
        "es": (
            ("Abren una investigación contra {co}",),
            (
                "{agency} abrió una investigación contra {co} por {matter}; la decisión se espera en {m} meses.",
            ),
        ),
        "ja": (
            ("{agency}、{co}を調査",),
            (
                "{agency}は{matter}をめぐり{co}の調査を始めたと発表した。{m}カ月以内に結論を出す見通し。",
            ),
        ),
        "zh": (
            ("{agency}对{co}展开调查",),
            ("{agency}宣布就{matter}对{co}展开调查，预计{m}个月内作出决定。",),
        ),
    },
    "analyst": {
        "en": (
            (
                "{bank} raises {co} price target to ${n}0",
                "{bank} lifts {co} target, sees AI demand holding",
            ),
            (
                "{bank} raised its price target on {co} to ${n}0 from ${m}, citing orders from cloud providers and a steadier outlook in China.",
            ),
        ),
        "fr": (
            ("{bank} relève son objectif de cours sur {co}",),
            (
                "{bank} porte son objectif de cours sur {co} à {n}0 dollars, contre {m} auparavant, en citant les commandes des fournisseurs de cloud et un marché chinois plus stable.",
            ),
        ),
        "de": (
            ("{bank} hebt Kursziel für {co} an",),
            (
                "{bank} erhöht das Kursziel für {co} von {m} auf {n}0 Dollar und verweist auf Aufträge von Cloud-Anbietern und ein stabileres China-Geschäft.",
            ),
        ),
        "es": (
            ("{bank} eleva el precio objetivo de {co}",),
            (
                "{bank} subió su precio objetivo para {co} a {n}0 dólares desde {m}, por los pedidos de los proveedores de nube y un mercado chino más estable.",
            ),
        ),
        "ja": (
            ("{bank}、{co}の目標株価を{n}0ドルに引き上げ",),
            (
                "{bank}は{co}の目標株価を{m}ドルから{n}0ドルに引き上げた。クラウド企業からの受注と中国市場の安定を理由に挙げた。",
            ),
        ),
        "zh": (
            ("{bank}上调{co}目标价至{n}0美元",),
            (
                "{bank}将{co}的目标价从{m}美元上调至{n}0美元，理由是云服务商订单强劲、中国市场趋稳。",
            ),
        ),
    },
    "partnership": {
        "en": (
            (
                "{co} and {partner} sign ${n} billion AI infrastructure pact",
                "{partner} teams up with {co} on AI servers",
            ),
            (
                "{co} agreed to supply {partner} with AI systems over {m} years under a deal valued at about ${n} billion, the companies said in a joint statement.",
            ),
        ),
        "fr": (
            ("{co} et {partner} signent un accord de {n} milliards de dollars",),
            (
                "{co} fournira pendant {m} ans des systèmes d'IA à {partner}, dans le cadre d'un contrat évalué à environ {n} milliards de dollars.",
            ),
        ),
        "de": (
            ("{co} und {partner} schließen Milliardenpakt",),
            (
                "{co} soll {partner} über {m} Jahre mit KI-Systemen beliefern; der Vertrag hat ein Volumen von rund {n} Milliarden Dollar.",
            ),
        ),
        "es": (
            ("{co} y {partner} firman un acuerdo de {n} mil millones",),
            (
                "{co} suministrará sistemas de IA a {partner} durante {m} años en un contrato valorado en unos {n} mil millones de dólares.",
            ),
        ),
        "ja": (
            ("{co}と{partner}、AI基盤で{n}0億ドルの提携",),
            ("{co}は今後{m}年間、{partner}にAIシステムを供給する。契約額は約{n}0億ドルにのぼる。",),
        ),
        "zh": (
            ("{co}与{partner}签署{n}0亿美元合作协议",),
            ("{co}将在未来{m}年内向{partner}供应人工智能系统，合同金额约{n}0亿美元。",),
        ),
    },
    "datacentre": {
        "en": (
            (
                "{customer} plans AI data centre in {place} with {n},000 {co} chips",
                "{customer} to build {place} AI hub",
            ),
            (
                "{customer} will build a data centre in {place} housing about {n},000 accelerators from {co}, with the first phase due in {m} months.",
            ),
        ),
        "fr": (
            ("{customer} va construire un centre de données d'IA {place}",),
            (
                "{customer} prévoit un centre de données {place} équipé d'environ {n} 000 accélérateurs {co} ; la première phase doit ouvrir dans {m} mois.",
            ),
        ),
        "de": (
            ("{customer} plant KI-Rechenzentrum in {place}",),
            (
                "{customer} will in {place} ein Rechenzentrum mit rund {n}.000 Beschleunigern von {co} bauen; die erste Stufe soll in {m} Monaten starten.",
            ),
        ),
        "es": (
            ("{customer} construirá un centro de datos de IA en {place}",),
            (
                "{customer} levantará en {place} un centro de datos con unos {n}.000 aceleradores de {co}; la primera fase estará lista en {m} meses.",
            ),
        ),
        "ja": (
            ("{customer}、{place}にAIデータセンター",),
            (
                "{customer}は{place}に{co}製のアクセラレーター約{n}000個を備えるデータセンターを建設する。第1期は{m}カ月後に稼働する。",
            ),
        ),
        "zh": (
            ("{customer}将在{place}建设AI数据中心",),
            (
                "{customer}计划在{place}建设一座配备约{n}000颗{co}加速器的数据中心，一期工程预计{m}个月后投用。",
            ),
        ),
    },
}
BANKS = ("Morgan Stanley", "Goldman Sachs", "Jefferies", "Bernstein", "Citi")
PARTNERS = ("Oracle", "Foxconn", "Humain", "Supermicro", "Dell", "xAI")

KIND_WEIGHTS = {
    "partnership": 8,
    "datacentre": 8,
    "analyst": 12,
    "shares_up": 14,
    "shares_down": 14,
    "results": 10,
    "order": 18,
    "fab": 12,
    "smuggling": 10,
    "launch": 12,
    "probe": 10,
}
