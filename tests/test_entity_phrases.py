"""The phrase grammar: each rule's table of sentences in every language the dictionary
covers (written for chipwatch), and the grammar file's checks.

A must-match sentence is tagged by that very rule (``EntityMatch.rule`` names it); a
must-not sentence is not, whatever else it may be tagged with.
"""

from __future__ import annotations

import pytest

from chipwatch.entities.phrase_match import word_count
from chipwatch.entities.phrases import GrammarError, builtin_grammar, parse_grammar
from chipwatch.entities.tagger import build_tagger

LANGUAGES = ("en", "fr", "de", "es", "pt", "it", "nl", "zh-Hans", "zh-Hant", "ja", "ko")

# rule id -> language -> (must match, must not match)
TABLE: dict[str, dict[str, tuple[list[str], list[str]]]] = {
    "restrict-exports": {
        "en": (
            [
                "Washington moved to restrict exports of advanced GPUs",
                "New curbs on exporting memory modules took effect",
            ],
            [
                "Exports of soybeans rose sharply last quarter",
                "The limits of the model were clear. Exports kept rising",
            ],
        ),
        "fr": (
            [
                "Paris veut limiter les exportations de puces vers la Russie",
                "Les Pays-Bas restreignent les exportations de machines",
            ],
            ["Les exportations de vin progressent en Asie"],
        ),
        "de": (
            [
                "Berlin will die Ausfuhr von Halbleitern beschränken",
                "Die USA schränken den Export von Speicherchips ein",
            ],
            ["Der Export von Autos stieg im Juli"],
        ),
        "es": (
            [
                "El gobierno decidió restringir las exportaciones de chips",
                "Washington limita la exportación de procesadores",
            ],
            ["Las exportaciones de cobre crecieron un 5 %"],
        ),
        "pt": (
            [
                "O governo quer restringir as exportações de semicondutores",
                "Os EUA limitam a exportação de chips avançados",
            ],
            ["As exportações de soja bateram recorde"],
        ),
        "it": (
            [
                "Washington vuole limitare le esportazioni di chip",
                "Il governo restringe l'export di macchinari",
            ],
            ["Le esportazioni di vino sono cresciute"],
        ),
        "nl": (
            [
                "Den Haag wil de export van chipmachines beperken",
                "De regering beperkt de uitvoer naar Rusland",
            ],
            ["De export van bloemen groeide flink"],
        ),
        "zh-Hans": (
            ["美国进一步限制高端芯片出口", "华盛顿计划管控先进设备的出口"],
            ["今年上半年芯片出口增长了两成"],
        ),
        "zh-Hant": (
            ["美國進一步限制高階晶片出口", "華府計畫管控先進設備的出口"],
            ["今年上半年晶片出口成長兩成"],
        ),
        "ja": (
            ["政府は製造装置の輸出を規制する方針だ", "米国が先端半導体の輸出を制限した"],
            ["半導体の輸出は前年より増えた"],
        ),
        "ko": (
            ["정부는 반도체 장비 수출을 제한하기로 했다", "미국이 첨단 장비 수출을 규제했다"],
            ["반도체 수출이 크게 늘었다"],
        ),
    },
    "ban-exports": {
        "en": (
            [
                "Beijing will ban exports of two rare metals to the US",
                "The government banned the export of scrap chips",
            ],
            ["The city banned cars from its centre. Exports were unaffected"],
        ),
        "fr": (
            ["Pékin interdit l'exportation de deux métaux rares"],
            ["La mairie interdit les voitures au centre"],
        ),
        "de": (
            ["Peking verbietet den Export seltener Metalle"],
            ["Die Stadt verbietet Autos in der Innenstadt"],
        ),
        "es": (
            ["Pekín prohíbe la exportación de dos metales"],
            ["La ciudad prohíbe los coches en el centro"],
        ),
        "pt": (
            ["Pequim proíbe a exportação de dois metais raros"],
            ["A cidade proíbe carros no centro"],
        ),
        "it": (
            ["Pechino vieta l'esportazione di due metalli"],
            ["Il comune vieta le auto in centro"],
        ),
        "nl": (
            ["Peking verbiedt de export van twee metalen"],
            ["De stad verbiedt auto's in het centrum"],
        ),
        "zh-Hans": (["北京宣布禁止出口两种稀有金属"], ["市政府禁止车辆驶入市中心"]),
        "zh-Hant": (["北京宣布禁止出口兩種稀有金屬"], ["市政府禁止車輛駛入市中心"]),
        "ja": (
            ["中国は二つのレアメタルの輸出を禁止した"],
            ["市は中心部への車の乗り入れを禁止した"],
        ),
        "ko": (["중국은 희귀 금속 두 종류의 수출을 금지했다"], ["시는 도심 차량 진입을 금지했다"]),
    },
    "restrict-chip-sales": {
        "en": (
            [
                "New limits on the sale of advanced accelerators to foreign buyers",
                "Officials moved to restrict sales of the H20",
            ],
            [
                "The company will limit its exposure to currency swings",
                "Restrictions on sales of alcohol in stadiums stay in place",
            ],
        ),
        "fr": (
            ["Washington veut restreindre la vente de puces avancées"],
            ["La mairie limite la vente d'alcool"],
        ),
        "de": (
            ["Washington will den Verkauf von Chips beschränken"],
            ["Die Stadt beschränkt den Verkauf von Alkohol"],
        ),
        "es": (
            ["Washington quiere restringir la venta de procesadores"],
            ["El gobierno restringe la venta de tabaco"],
        ),
        "pt": (
            ["Washington quer restringir a venda de semicondutores"],
            ["O governo restringe a venda de cigarros"],
        ),
        "it": (
            ["Washington vuole limitare la vendita di chip"],
            ["Il governo limita la vendita di sigarette"],
        ),
        "nl": (
            ["Washington wil de verkoop van chips beperken"],
            ["De gemeente beperkt de verkoop van alcohol"],
        ),
        "zh-Hans": (["美国限制先进芯片的销售"], ["政府限制香烟销售"]),
        "zh-Hant": (["美國限制先進晶片的銷售"], ["政府限制香菸銷售"]),
        "ja": (["米国は先端半導体の販売を制限した"], ["政府は酒類の販売を規制する"]),
        "ko": (["미국은 첨단 반도체 판매를 제한했다"], ["정부는 주류 판매를 제한했다"]),
    },
    "restrict-chips-to-destination": {
        "en": (
            [
                "The rule restricts two accelerators to China and Russia",
                "Washington bars the most capable GPUs from going to China",
            ],
            [
                "China bans tech firms from buying foreign accelerators",
                "Beijing curbs chip imports from Japan",
            ],
        ),
        "fr": (
            ["Washington interdit ces puces à la Chine"],
            ["La Chine bloque les achats de puces étrangères"],
        ),
        "de": (
            ["Washington verbietet Lieferungen dieser Chips nach China"],
            ["China blockiert Käufe ausländischer Chips"],
        ),
        "es": (
            ["Washington prohíbe esos procesadores para China"],
            ["China bloquea la compra de chips extranjeros"],
        ),
        "pt": (
            ["Washington proíbe esses processadores para a China"],
            ["A China bloqueia compras de chips estrangeiros"],
        ),
        "it": (
            ["Washington vieta questi processori verso la Cina"],
            ["La Cina blocca gli acquisti di chip stranieri"],
        ),
        "nl": (
            ["Washington verbiedt deze chips naar China"],
            ["China blokkeert de aankoop van buitenlandse chips"],
        ),
        "zh-Hans": (["美国禁止向中国销售先进芯片"], ["中国禁止企业采购外国芯片"]),
        "zh-Hant": (["美國禁止向中國銷售先進晶片"], ["中國禁止企業採購外國晶片"]),
        "ja": (["米国は中国向けの半導体の販売を禁止した"], ["中国は外国製半導体の調達を禁止した"]),
        "ko": (
            ["미국은 중국에 대한 반도체 판매를 금지했다"],
            ["중국은 외국산 반도체 구매를 금지했다"],
        ),
    },
    "tighten-chip-rules": {
        "en": (
            [
                "Malaysia tightened rules on the movement of AI chips",
                "The US is tightening its rules on memory chips",
            ],
            ["Brussels tightened rules on plastic packaging"],
        ),
        "fr": (
            ["Washington durcit les règles sur les puces"],
            ["Bruxelles durcit les règles sur les emballages"],
        ),
        "de": (
            ["Washington verschärft die Regeln für Halbleiter"],
            ["Brüssel verschärft die Regeln für Verpackungen"],
        ),
        "es": (
            ["Washington endurece las normas sobre chips"],
            ["Bruselas endurece las normas sobre envases"],
        ),
        "pt": (
            ["Washington endurece as regras para semicondutores"],
            ["Bruxelas endurece as regras para embalagens"],
        ),
        "it": (
            ["Washington inasprisce le regole sui chip"],
            ["Bruxelles inasprisce le regole sugli imballaggi"],
        ),
        "nl": (
            ["Washington scherpt de regels voor chips aan"],
            ["Brussel scherpt de regels voor verpakkingen aan"],
        ),
        "zh-Hans": (["美国收紧芯片相关规则"], ["欧盟收紧包装相关规则"]),
        "zh-Hant": (["美國收緊晶片相關規則"], ["歐盟收緊包裝相關規則"]),
        "ja": (["米国は半導体のルールを強化した"], ["欧州は包装のルールを強化した"]),
        "ko": (["미국은 반도체 규정을 강화했다"], ["유럽은 포장 규정을 강화했다"]),
    },
    "chip-curbs": {
        "en": (
            ["Fresh chip curbs rattle suppliers", "Restrictions on advanced semiconductors widen"],
            ["Curbs on steel imports were eased", "Chip prices hit new limits"],
        ),
        "fr": (
            ["De nouvelles restrictions sur les puces avancées"],
            ["De nouvelles restrictions sur l'acier"],
        ),
        "de": (["Neue Beschränkungen für Halbleiter"], ["Neue Beschränkungen für Stahl"]),
        "es": (["Nuevas restricciones a los semiconductores"], ["Nuevas restricciones al acero"]),
        "pt": (["Novas restrições aos semicondutores"], ["Novas restrições ao aço"]),
        "it": (["Nuove restrizioni sui semiconduttori"], ["Nuove restrizioni sull'acciaio"]),
        "nl": (["Nieuwe beperkingen op halfgeleiders"], ["Nieuwe beperkingen op staal"]),
        "zh-Hans": (["美国扩大芯片管制"], ["美国扩大钢铁管制"]),
        "zh-Hant": (["美國擴大晶片管制"], ["美國擴大鋼鐵管制"]),
        "ja": (["米国が半導体規制を拡大"], ["米国が鉄鋼規制を拡大"]),
        "ko": (["미국이 반도체 규제를 확대했다"], ["미국이 철강 규제를 확대했다"]),
    },
    "smuggle-chips": {
        "en": (
            [
                "Two men were charged with smuggling GPUs into China",
                "Smuggled accelerators reached the lab",
            ],
            ["The cigarettes were smuggled through the port"],
        ),
        "fr": (
            ["Des puces passées en contrebande vers la Chine"],
            ["Des cigarettes de contrebande saisies"],
        ),
        "de": (["Geschmuggelte Chips aus Singapur"], ["Geschmuggelte Zigaretten beschlagnahmt"]),
        "es": (["Contrabando de procesadores hacia China"], ["Contrabando de tabaco en el puerto"]),
        "pt": (["Contrabando de processadores para a China"], ["Contrabando de cigarros no porto"]),
        "it": (
            ["Contrabbando di processori verso la Cina"],
            ["Contrabbando di sigarette al porto"],
        ),
        "nl": (["Gesmokkelde chips onderschept"], ["Gesmokkelde sigaretten onderschept"]),
        "zh-Hans": (["警方破获一起走私芯片案"], ["警方破获一起走私香烟案"]),
        "zh-Hant": (["警方破獲一起走私晶片案"], ["警方破獲一起走私香菸案"]),
        "ja": (["半導体を密輸した疑いで逮捕された"], ["たばこを密輸した疑いで逮捕された"]),
        "ko": (["그는 반도체를 밀수한 혐의로 체포됐다"], ["담배 밀수 혐의로 체포됐다"]),
    },
    "permission-to-export": {
        "en": (
            [
                "The firm received permission to export its tools",
                "Malaysia now requires a permit to export US-made accelerators",
            ],
            ["The firm received permission to build a second plant"],
        ),
        "fr": (
            ["Le groupe a obtenu l'autorisation d'exporter ses machines"],
            ["Le groupe a obtenu l'autorisation de construire"],
        ),
        "de": (
            ["Die Firma erhielt eine Genehmigung für den Export"],
            ["Die Firma erhielt eine Genehmigung für den Neubau"],
        ),
        "es": (
            ["La empresa obtuvo autorización para exportar sus equipos"],
            ["La empresa obtuvo autorización para construir"],
        ),
        "pt": (
            ["A empresa obteve autorização para exportar as máquinas"],
            ["A empresa obteve autorização para construir"],
        ),
        "it": (
            ["L'azienda ha ottenuto l'autorizzazione a esportare"],
            ["L'azienda ha ottenuto l'autorizzazione a costruire"],
        ),
        "nl": (
            ["Het bedrijf kreeg toestemming om te exporteren"],
            ["Het bedrijf kreeg toestemming om te bouwen"],
        ),
        "zh-Hans": (["该公司获得许可，可以出口设备"], ["该公司获得许可，可以建设新厂"]),
        "zh-Hant": (["該公司獲得許可，可以出口設備"], ["該公司獲得許可，可以興建新廠"]),
        "ja": (["同社は装置の輸出の許可を得た"], ["同社は新工場の建設の許可を得た"]),
        "ko": (
            ["그 회사는 장비를 수출할 수 있는 허가를 받았다"],
            ["그 회사는 공장 건설 허가를 받았다"],
        ),
    },
    "permission-to-sell-chips": {
        "en": (
            [
                "The government granted permission to sell the accelerators abroad",
                "Officials gave authorization for sales of older GPUs",
            ],
            ["Permission to sell alcohol was granted to the shop"],
        ),
        "fr": (
            ["Le groupe a reçu l'autorisation de vendre ses puces"],
            ["Le bar a reçu l'autorisation de vendre de l'alcool"],
        ),
        "de": (
            ["Die Firma erhielt die Erlaubnis zum Verkauf ihrer Chips"],
            ["Die Bar erhielt die Erlaubnis zum Verkauf von Alkohol"],
        ),
        "es": (
            ["La empresa recibió permiso para vender sus chips"],
            ["El bar recibió permiso para vender alcohol"],
        ),
        "pt": (
            ["A empresa recebeu autorização para vender os chips"],
            ["O bar recebeu autorização para vender bebidas"],
        ),
        "it": (
            ["L'azienda ha il permesso di vendere i suoi chip"],
            ["Il bar ha il permesso di vendere alcolici"],
        ),
        "nl": (
            ["Het bedrijf kreeg toestemming om de chips te verkopen"],
            ["De kroeg kreeg toestemming om alcohol te verkopen"],
        ),
        "zh-Hans": (["该公司获得许可，可在海外销售芯片"], ["该酒吧获得许可，可销售酒类"]),
        "zh-Hant": (["該公司獲得許可，可在海外銷售晶片"], ["該酒吧獲得許可，可銷售酒類"]),
        "ja": (["同社は半導体の販売の許可を得た"], ["その店は酒類の販売の許可を得た"]),
        "ko": (["그 회사는 반도체 판매 허가를 받았다"], ["그 가게는 주류 판매 허가를 받았다"]),
    },
    "ai-diffusion-rule": {
        "en": (
            [
                "The AI diffusion regime will be scrapped",
                "Officials scrapped the regime for AI diffusion",
                "Officials will scrap the so-called AI diffusion curbs",
            ],
            [
                "A diffusion model generates images with AI",
                "The rule of law and AI diffusion in society",
                "Huang called for faster AI diffusion in industry",
            ],
        ),
        "fr": (
            [
                "Les règles sur la diffusion de l'IA seront abrogées",
                "La règle américaine dite de « diffusion de l'IA » entre en vigueur",
            ],
            [
                "La diffusion du match est interdite par la règle",
                "Huang a dit que la diffusion de l'IA va accélérer",
            ],
        ),
        "de": (
            [
                "Die Regeln zur KI-Diffusion werden gestrichen",
                "Die Regel zur Verbreitung von KI wird gestrichen",
            ],
            ["Die Diffusion von Gasen folgt einer Regel"],
        ),
        "es": (
            ["Las normas de difusión de la IA serán derogadas"],
            ["La difusión del partido sigue la norma"],
        ),
        "pt": (["As regras de difusão da IA serão revogadas"], ["A difusão do jogo segue a regra"]),
        "it": (
            ["Le regole sulla diffusione dell'IA saranno abrogate"],
            ["La diffusione della partita segue la regola"],
        ),
        "nl": (
            ["De regel voor de diffusie van AI wordt geschrapt"],
            ["De diffusie van gassen volgt een regel"],
        ),
        "zh-Hans": (["美国将撤销关于人工智能扩散的规则"], ["气体扩散遵循物理规则"]),
        "zh-Hant": (["美國將撤銷關於人工智慧擴散的規則"], ["氣體擴散遵循物理規則"]),
        "ja": (["米国は人工知能の拡散に関する規則を撤回する"], ["気体の拡散は物理の規則に従う"]),
        "ko": (["미국은 인공지능 확산 규칙을 폐기한다"], ["기체 확산은 물리 규칙을 따른다"]),
    },
}

CASES = [
    (rule, lang, text, expected)
    for rule, languages in TABLE.items()
    for lang, (must, must_not) in languages.items()
    for text, expected in [*((t, True) for t in must), *((t, False) for t in must_not)]
]


@pytest.mark.parametrize(
    ("rule", "lang", "text", "expected"),
    CASES,
    ids=[f"{c[0]}-{c[1]}-{'yes' if c[3] else 'no'}-{i}" for i, c in enumerate(CASES)],
)
def test_phrase_rule_table(rule: str, lang: str, text: str, expected: bool) -> None:
    tagger = build_tagger()
    fired = [m for m in tagger.tag(text) if m.rule.startswith(f"phrase {rule}:")]
    assert bool(fired) is expected, [(m.entity, m.text, m.rule) for m in tagger.tag(text)]
    entity = next(r.entity for r in builtin_grammar().rules if r.id == rule)
    assert all(m.entity == entity and text[m.start : m.end] == m.text for m in fired)


def test_every_rule_has_both_kinds_of_case_in_every_language() -> None:
    assert set(TABLE) == {rule.id for rule in builtin_grammar().rules}
    for rule, languages in TABLE.items():
        assert set(languages) == set(LANGUAGES), rule
        for lang, (must, must_not) in languages.items():
            assert must and must_not, (rule, lang)


def test_a_match_spans_its_words_or_only_its_anchor_around_an_entity() -> None:
    tagger = build_tagger()
    [match] = [m for m in tagger.tag("The US restricted exports of it") if m.kind == "policy"]
    assert (match.text, match.rule) == (
        "restricted exports",
        "phrase restrict-exports: RESTRICT ~5 EXPORT",
    )
    # An entity between the words: the match is the anchor alone, spans never overlap.
    text = "Officials restricted H20 exports"
    matches = tagger.tag(text)
    assert [(m.entity, m.text) for m in matches] == [
        ("export controls", "restricted"),
        ("H20", "H20"),
    ]


def test_gaps_count_words_and_stop_at_a_sentence_end() -> None:
    tagger = build_tagger()
    near = "They restrict, as expected, the exports"
    far = "They restrict many things in many places for many reasons: exports"
    assert {m.entity for m in tagger.tag(near)} == {"export controls"}
    assert tagger.tag(far) == []
    assert "export controls" not in {
        m.entity for m in tagger.tag("The U.S. restricted them. Exports rose")
    }
    # "U.S." does not end the sentence: the rule still reads across it.
    assert {m.entity for m in tagger.tag("Curbs by the U.S. on exports")} >= {"export controls"}
    assert word_count(" on the ") == 2 and word_count("英伟达H20芯片对华") == 5


def test_a_rule_is_moot_where_its_entity_or_an_unless_is_named() -> None:
    tagger = build_tagger()
    # a paraphrase next to the term itself adds no entity: the alias is the match
    text = "Export controls tightened: Washington restricted exports of tools"
    assert [m.rule.split(":")[0] for m in tagger.tag(text) if m.kind == "policy"] == [
        'alias "export controls"'
    ]
    # an article about an export licence is about export controls already
    text = "A licence is needed now that Washington restricted exports of the H20"
    entities = {m.entity for m in tagger.tag(text)}
    assert "export licence" in entities and "export controls" not in entities
    assert "export controls" in {m.entity for m in tagger.tag("Washington restricted exports")}


def test_anchor_only_gap_counts_from_the_first_term() -> None:
    tagger = build_tagger()
    assert "AI diffusion rule" in {m.entity for m in tagger.tag("the rule on AI diffusion")}
    assert "AI diffusion rule" not in {
        m.entity for m in tagger.tag("the rule of law and AI diffusion")
    }


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"class": {"A": {"xx": ["w"]}}}, "class.A: unknown key 'xx'"),
        ({"class": {"A": {"en": ["w"]}}, "rule": [{"id": "r", "entity": "e"}]}, "needs id, entity"),
        (
            {
                "class": {"A": {"en": ["w"]}},
                "rule": [{"id": "r", "entity": "e", "match": "A ~1 A", "when": 1}],
            },
            "unknown key 'when'",
        ),
        (
            {"class": {"A": {"en": ["w"]}}, "rule": [{"id": "r", "entity": "e", "match": "A ~3"}]},
            "TERM GAP TERM",
        ),
        (
            {"class": {"A": {"en": ["w"]}}, "rule": [{"id": "r", "entity": "e", "match": "A 3 A"}]},
            "'3' is not a gap",
        ),
        (
            {
                "class": {"A": {"en": ["w"]}},
                "rule": [{"id": "r", "entity": "e", "match": "A ~3 B"}],
            },
            "unknown class 'B'",
        ),
        (
            {
                "class": {"A": {"en": ["w"]}, "P": {"entities": ["China"]}},
                "rule": [{"id": "r", "entity": "e", "match": "P ~3 A"}],
            },
            "first term must be words",
        ),
    ],
)
def test_a_broken_grammar_names_the_key(data: dict, message: str) -> None:
    with pytest.raises(GrammarError, match=message) as caught:
        parse_grammar(data, "g.toml")
    assert str(caught.value).startswith("g.toml: ")


def test_hostile_text_is_looked_at_in_bounded_work(monkeypatch: pytest.MonkeyPatch) -> None:
    # A 20,000-character summary of nothing but anchor words (no sentence ends): the
    # rules look at the first anchors only, stretches of text are searched once, and
    # overlaps are bisected (this took 3 s before, quadratic in the anchors).
    from chipwatch.entities import special as entity_special

    seen: list[int] = []
    real = entity_special.find_phrases

    def counting(grammar, plan, folded, anchors, entities, tagged):  # type: ignore[no-untyped-def]
        seen.append(len(anchors))
        return real(grammar, plan, folded, anchors, entities, tagged)

    monkeypatch.setattr(entity_special, "find_phrases", counting)
    text = "限制出口芯片向中国许可证走私" * 1430
    matches = build_tagger().tag("x", text)
    assert seen and max(seen) <= entity_special._MOST_ANCHORS
    assert any(m.rule.startswith("phrase ") for m in matches)


def test_overlaps_and_merged_stretches() -> None:
    from chipwatch.entities.match import Overlaps
    from chipwatch.entities.phrase_match import _merged

    assert _merged([(5, 9), (0, 4), (3, 6), (20, 30), (20, 30)]) == [(0, 9), (20, 30)]
    overlaps = Overlaps([(10, -5, None), (0, -30, None), (40, -2, None)])  # type: ignore[list-item]
    assert overlaps(20, 25)  # inside the long one
    assert not overlaps(35, 40)
    assert overlaps(41, 50)
    assert not overlaps(42, 50)


def test_hostile_text_on_the_exhaustive_path_is_not_quadratic() -> None:
    # 4,000 gated names and class words in 20,000 characters: the exhaustive path's
    # word filters and gate openers took 19 s here (quadratic); now well under 1 s.
    import time

    start = time.process_time()
    matches = build_tagger().tag("x", "许可证北京" * 4000)
    assert len(matches) == 4000
    assert time.process_time() - start < 5
