"""Sentences for the action grammar's table test (tests/test_actions_table.py).

Written for chipwatch (no article text copied): per language, (sentence, expected).
``expected`` lists, space-separated, every action the sentence must yield and nothing
else: ``licence.granted`` (any object), ``licence.granted@H20`` (that object),
``?licence.granted`` (planned; "_" in an object is a space), ``~sales.resumed`` (framed as context by a reaction
or a meeting in its sentence). A ``!action`` token names an action the sentence is a
near miss for (a must-not): it documents why the sentence is there and counts for the
coverage test; the sentence must not yield it (the exact list says so already).
A sentence may hold a title and a summary separated by ``||``.
"""

from __future__ import annotations

CASES: dict[str, list[tuple[str, str]]] = {}

CASES["en"] = [
    # licences
    ("Commerce begins issuing H20 export licences to Nvidia", "licence.granted@H20"),
    ("Export licences for the MI308 were granted on Friday", "licence.granted@MI308"),
    ("Washington approves Nvidia's H200 sales to China", "licence.granted@H200"),
    ("AMD cleared to sell the MI308 in China", "licence.granted@MI308"),
    ("Nvidia applied for a licence to ship the H20", "!licence.granted"),
    ("Licensing issues slowed the rollout of the new servers", "!licence.granted !product.launch"),
    ("The US will require a licence for H20 exports to China", "licence.required@H20"),
    ("Sales of the chip now need an export license", "licence.required"),
    ("Nvidia said it had received no licence requirement notice", "!licence.required"),
    ("The Dutch government revoked ASML's licence to ship DUV tools", "licence.revoked"),
    ("ASML still holds its licence for older machines", "!licence.revoked"),
    ("The US is considering allowing H200 sales to China", "?licence.granted@H200"),
    ("Officials said they would not issue licences for the B30A", "!licence.granted"),
    # sales
    ("Nvidia to resume H20 sales to China", "sales.resumed@H20"),
    ("Shipments of the MI308 resumed this week", "sales.resumed@MI308"),
    ("Nvidia will sell the H20 in China again, Huang said", "sales.resumed@H20"),
    ("Demand for the H20 resumed its climb in the summer", "!sales.resumed"),
    ("Nvidia halts H20 production at Samsung and Amkor", "sales.halted@H20"),
    ("Chinese buyers cancelled orders for the RTX Pro 6000D", "sales.halted@RTX_Pro_6000D"),
    ("TSMC stopped shipping advanced chips to Chinese customers", "sales.halted@TSMC"),
    ("Nonstop demand kept the fabs busy", "!sales.halted"),
    ("Talks dragged on for months", "frame.meeting"),
    ("Nvidia can no longer sell the H20 to China", "ban.imposed@H20"),
    # curbs
    ("US imposes new curbs on HBM exports to China", "ban.imposed@HBM"),
    ("Washington tightens export controls on chipmaking tools", "ban.imposed"),
    ("China bans exports of gallium and germanium to the US", "ban.imposed@gallium"),
    ("Beijing bars tech firms from buying Nvidia chips", "ban.imposed"),
    ("Fresh restrictions hit Chinese AI chip designers", "ban.imposed"),
    ("Analysts discussed the limits of the H20's memory", "!ban.imposed !frame.meeting"),
    ("US to lift export curbs on Nvidia's H20", "ban.lifted@H20"),
    ("The ban on gallium exports was eased in November", "ban.lifted@gallium"),
    ("Beijing suspends its ban on gallium exports to the US for a year", "ban.paused@gallium"),
    ("The curbs remain in place despite lobbying", "!ban.lifted"),
    ("Commerce adds 140 Chinese firms to the Entity List", "listing.added@Entity_List"),
    ("Two Huawei units were removed from the entity list", "listing.removed@Huawei"),
    ("The Entity List now holds more than 600 Chinese names", "!listing.added"),
    # rules
    ("BIS proposes a rule on AI model weights", "rule.proposed"),
    ("Commerce publishes an interim final rule on AI chips", "rule.published"),
    ("The new rules cover advanced computing chips", "rule.published"),
    ("The rules take effect on May 15", "rule.effective"),
    ("US makes chip export rules effective immediately", "rule.effective"),
    ("Washington accelerates its ban on AI chips to China", "rule.effective ban.imposed"),
    ("Trump administration rescinds the AI diffusion rule", "rule.rescinded@AI_diffusion_rule"),
    ("The rule of law matters to investors, the minister said", "!rule.published"),
    # tariffs
    ("Trump threatens 100% tariffs on imported chips", "tariff.threatened"),
    ("The US imposes tariffs on Chinese legacy chips", "tariff.imposed"),
    ("Washington pauses tariffs on semiconductors for 90 days", "tariff.paused"),
    ("Smartphones and chips are exempted from the new tariffs", "tariff.lifted"),
    ("Tariffs were the main topic of the trade talks", "!tariff.imposed frame.meeting"),
    # probes, courts
    ("China opens antitrust investigation into Nvidia", "probe.opened@NVIDIA"),
    ("China's cyberspace regulator summons Nvidia over H20 risks", "probe.opened@NVIDIA"),
    ("Regulators found Nvidia violated the anti-monopoly law", "probe.ruling@NVIDIA"),
    ("SAMR says Nvidia violated its Mellanox conditions", "probe.ruling@NVIDIA"),
    ("Nvidia is under investigation for suspected violations", "!probe.ruling"),
    ("Beijing urged firms to avoid Nvidia's H20 chips", "guidance.avoid@H20"),
    ("China discourages use of the H20 for government work", "guidance.avoid@H20"),
    ("Three men were arrested for smuggling Nvidia GPUs", "legal.arrest"),
    ("Prosecutors charged two nationals with illegally exporting chips", "legal.charge"),
    ("The engineer pleaded guilty to export violations", "legal.plea"),
    ("He was sentenced to four years in prison", "legal.sentence"),
    ("Police arrested the slide in morale, a pundit joked", "!legal.arrest"),
    # money
    ("Nvidia reports record revenue for the first quarter", "results.reported@NVIDIA"),
    ("TSMC's quarterly profit jumps 40%", "results.reported@TSMC"),
    ("Nvidia will take a $5.5 billion charge on H20 inventory", "charge.taken@NVIDIA"),
    ("Intel books a write-down on its Ohio plans", "charge.taken@Intel"),
    ("The charge nurse arrived late", "!charge.taken"),
    ("The US government takes a 10% stake in Intel", "stake.taken@Intel"),
    ("Micron wins $6.1 billion in CHIPS Act funding", "subsidy.awarded@Micron"),
    ("Nvidia and AMD agree to pay the US 15% of China revenue", "revenue.shared"),
    ("The government takes a 25% cut of H200 sales", "revenue.shared@H200"),
    ("The Dutch state takes control of Nexperia", "control.seized@Nexperia"),
    ("The Netherlands hands control of Nexperia back to Wingtech", "control.returned@Nexperia"),
    ("TSMC to build a new fab in Arizona", "plant.investment@TSMC"),
    ("Construction of the second Kumamoto plant has started", "plant.construction"),
    ("JASM signs a siting agreement with the town", "agreement.signed@JASM"),
    ("The plant's output rose last year", "!plant.investment"),
    # products, markets
    ("Huawei unveils the Ascend 950 AI chip", "product.launch@Ascend_950"),
    ("Huawei reveals its Ascend roadmap through 2028", "product.roadmap@Ascend"),
    ("Nvidia is developing a new chip for China", "product.developing@NVIDIA"),
    ("Nvidia delays the launch of its China chip", "product.delayed@NVIDIA"),
    ("Nvidia shares plunge 17% as DeepSeek rattles markets", "market.selloff@NVIDIA"),
    ("Nvidia lost $600 billion in market value on Monday", "market.selloff@NVIDIA"),
    ("Cambricon shares soar to a record high", "market.rally@Cambricon"),
    ("Nvidia becomes the first company to hit $4 trillion in market value", "market.rally@NVIDIA"),
    ("Nvidia's market share in China fell to zero", "!market.selloff"),
    # frames
    ("Lawmakers slam the decision to resume H20 sales", "frame.reaction ~sales.resumed"),
    ("Moolenaar objects to H20 exports in a letter to Lutnick", "frame.reaction"),
    ("The decision risks bolstering Beijing's military", "frame.reaction"),
    (
        "Jensen Huang visits Beijing after being barred from selling the H20",
        "frame.meeting ~ban.imposed",
    ),
    ("Licences were issued after Huang met Trump", "licence.granted frame.meeting"),
    (
        "Nvidia is developing a B30A chip, people familiar with the matter said",
        "frame.report product.developing@B30A",
    ),
    # modality
    ("The White House plans to unveil new chip curbs next week", "?ban.imposed"),
    ("Commerce is ready to authorise H200 exports", "?licence.granted@H200"),
    ("Commerce authorised H200 exports", "licence.granted@H200"),
]
