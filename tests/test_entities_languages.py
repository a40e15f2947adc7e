"""Table-driven tagging cases in every language chipwatch reads (written for chipwatch).

Each case: a text, the entities that must be tagged, and entities that must not be.
"""

from __future__ import annotations

import pytest

from chipwatch.entities.tagger import build_tagger

CASES = [
    # --- English
    ("en", "Nvidia resumes H20 shipments to China", {"NVIDIA", "H20", "China"}, {"H200"}),
    ("en", "The H200 outsells the H20 in Europe", {"H200", "H20"}, set()),
    ("en", "Artificial intelligence start-ups raise money", set(), {"Intel"}),
    ("en", "She raised her arm to vote against the plan", set(), {"Arm"}),
    ("en", "Arm licenses its designs to Qualcomm", {"Arm", "Qualcomm"}, set()),
    ("en", "Water, or H2O, covers most of the planet", set(), {"H20"}),
    (
        "en",
        "AMD ships MI300X while the MI308 waits for a licence",
        {"AMD", "MI300X", "MI308"},
        set(),
    ),
    ("en", "B300 racks arrive before any B30A for China", {"B300", "B30A", "China"}, set()),
    ("en", "Let us know what the US decides", {"United States"}, set()),
    ("en", "Huang said demand was strong", set(), {"Jensen Huang"}),
    ("en", "Nvidia's Huang said demand was strong", {"NVIDIA", "Jensen Huang"}, set()),
    ("en", "China's H-20 bomber flew near Taiwan", {"China", "Taiwan"}, {"H20"}),
    (
        "en",
        "The Commerce Department added SMIC to the Entity List",
        {"Commerce Department", "SMIC", "Entity List"},
        set(),
    ),
    # --- French
    ("fr", "Nvidia reprend ses livraisons de H20 en Chine", {"NVIDIA", "H20", "China"}, set()),
    (
        "fr",
        "Les Etats-Unis durcissent les contrôles à l’exportation",
        {"United States", "export controls"},
        set(),
    ),
    ("fr", "L'intelligence artificielle progresse", set(), {"Intel"}),
    ("fr", "La puce H2O de Nvidia revient", {"H20", "NVIDIA"}, set()),
    ("fr", "Une molécule d'eau, H2O, en laboratoire", set(), {"H20"}),
    ("fr", "Le CAC 40 recule à Paris", set(), {"CAC"}),
    # --- German
    (
        "de",
        "Exportkontrollen der USA treffen Nvidia",
        {"export controls", "United States", "NVIDIA"},
        set(),
    ),
    ("de", "Huawei bringt den Ascend 910C auf den Markt", {"Huawei", "Ascend 910C"}, set()),
    ("de", "Die Frist läuft bis Ende Juli", set(), {"BIS"}),
    (
        "de",
        "Das BIS verschärft die Regeln für Seltene Erden",
        {"BIS", "rare-earth controls"},
        set(),
    ),
    # --- Spanish
    (
        "es",
        "Estados Unidos endurece los controles de exportación sobre AMD",
        {"United States", "export controls", "AMD"},
        set(),
    ),
    ("es", "Pekín responde con aranceles y sanciones", {"Beijing", "tariffs", "sanctions"}, set()),
    ("es", "La tarifa del taxi subió en enero", set(), {"tariffs"}),
    # --- Portuguese
    (
        "pt",
        "Os EUA aprovam licenças de exportação para a Nvidia",
        {"United States", "export licence", "NVIDIA"},
        set(),
    ),
    ("pt", "A China investiga a Nvidia por antimonopólio", {"China", "NVIDIA", "antitrust"}, set()),
    # --- Italian
    (
        "it",
        "Gli Stati Uniti impongono dazi sui chip di TSMC",
        {"United States", "tariffs", "TSMC"},
        set(),
    ),
    (
        "it",
        "Il Giappone limita l'export di gallio e germanio",
        {"Japan", "gallium", "germanium"},
        set(),
    ),
    # --- Dutch
    (
        # "the Dutch government" is not a specific export authority (issue 17)
        "nl",
        "De Nederlandse regering beperkt de export van ASML naar China",
        {"Netherlands", "export controls", "ASML", "China"},
        {"Dutch export authorities"},
    ),
    (
        "nl",
        "Het ministerie van Economische Zaken grijpt in bij Nexperia",
        {"Dutch export authorities", "Nexperia"},
        set(),
    ),
    ("nl", "Nieuwe exportvergunningen voor chipmachines", {"export licence"}, set()),
    # --- Chinese (simplified)
    (
        "zh-Hans",
        "英伟达获准向中国出口H20芯片，美国商务部将发放许可证",
        {"NVIDIA", "China", "H20", "Commerce Department", "export licence"},
        set(),
    ),
    ("zh-Hans", "深度求索发布新模型，华为昇腾芯片受关注", {"DeepSeek", "Huawei", "Ascend"}, set()),
    ("zh-Hans", "一碗小米粥，住三星级酒店", set(), {"Xiaomi", "Samsung"}),
    ("zh-Hans", "三星与SK海力士扩大HBM产能", {"Samsung", "SK hynix", "HBM"}, set()),
    # --- Chinese (traditional)
    ("zh-Hant", "輝達H20晶片恢復出貨，台積電受惠", {"NVIDIA", "H20", "TSMC"}, set()),
    ("zh-Hant", "美國擴大實體清單，中芯國際列入", {"United States", "Entity List", "SMIC"}, set()),
    # --- Japanese
    (
        "ja",
        "エヌビディア、中国向けH20の輸出許可を取得",
        {"NVIDIA", "China", "H20", "export licence"},
        set(),
    ),
    (
        "ja",
        "東京エレクトロンとオランダの輸出規制",
        {"Tokyo Electron", "Netherlands", "export controls"},
        set(),
    ),
    # --- Korean (particles attach to names: no word boundary)
    (
        "ko",
        "엔비디아는 미국의 수출 통제에도 H20 판매를 재개했다",
        {"NVIDIA", "United States", "export controls", "H20"},
        set(),
    ),
    ("ko", "삼성전자와 SK하이닉스가 HBM 공급을 늘린다", {"Samsung", "SK hynix", "HBM"}, set()),
    # --- models, gates and agencies found on other events
    ("en", "The MI355X ships first", {"MI355X"}, {"MI350"}),
    ("en", "Micron failed the CAC's security review", {"Micron", "CAC"}, set()),
    ("fr", "Le CAC 40 recule à la clôture", set(), {"CAC"}),
    ("en", "Fresh US chip curbs hit Tokyo Electron", {"export controls", "Tokyo Electron"}, set()),
    ("en", "Licences that let Intel sell to Huawei were revoked", {"export licence"}, set()),
    ("de", "Neue Chip-Exportkontrollen der USA", {"export controls"}, set()),
    ("nl", "De Ondernemingskamer schorst de topman van Nexperia", {"Enterprise Chamber"}, set()),
    ("zh-Hant", "美商務部將中國企業列入實體清單", {"Commerce Department"}, {"MOFCOM"}),
    ("zh-Hans", "商务部对稀土技术实施出口管制", {"MOFCOM", "rare-earth controls"}, set()),
    # --- Ukrainian and Russian
    (
        "uk",
        "Мінторгівлі США посилило обмеження на експорт чипів до Китаю",
        {"Commerce Department", "export controls", "China"},
        set(),
    ),
    ("ru", "Минторг США внес 12 компаний в черный список", {"Entity List"}, set()),
    ("ru", "Черный список клиентов банка", set(), {"Entity List"}),
]


@pytest.mark.parametrize(
    ("lang", "text", "must", "must_not"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)]
)
def test_tagging_table(lang: str, text: str, must: set[str], must_not: set[str]) -> None:
    found = {m.entity for m in build_tagger().tag(text)}
    assert must <= found, f"missing {must - found} in {found}"
    assert not (must_not & found), f"wrongly tagged {must_not & found}"
    for match in build_tagger().tag(text):
        assert text[match.start : match.end] == match.text


LANGUAGES = {"en", "fr", "de", "es", "pt", "it", "nl", "zh-Hans", "zh-Hant", "ja", "ko", "uk", "ru"}


def test_every_language_has_cases() -> None:
    assert {c[0] for c in CASES} == LANGUAGES
