"""Every word a report shows, one table per language (zh-CN first, en second)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lifecircle.standards import IndicatorInfo

LANGS = ("zh", "en")

ZH: dict[str, str] = {
    "circle_report_title": "{district}一刻钟生活圈专项体检报告：{name}",
    "district_report_title": "{district}一刻钟生活圈专项体检：全区汇总报告",
    "generated_notice": "示例数据：几何为生成数据",
    "provisional_notice": (
        "本报告采用暂行指标体系（{catalogue}）：部分阈值尚未与官方标准原文核对，"
        "评级仅供参考，正式评定须以官方指标体系为准。"
    ),
    "grade_disclaimer": ("评级为按指标体系测算的体检结果，不等同于市、区联合评定验收结果。"),
    "meta": "报告信息",
    "catalogue": "指标体系",
    "catalogue_provisional": "暂行",
    "catalogue_official": "正式",
    "data_hash": "数据指纹",
    "software_version": "软件版本",
    "report_date": "报告日期",
    "checkup_date": "体检日期",
    "data_date": "数据日期",
    "data_date_missing": "未给出（以体检日期 {d} 计）",
    "run_id": "体检编号",
    "s_overview": "一、概况",
    "s_indicators": "二、指标评价",
    "s_shortfalls": "三、短板清单",
    "s_suggestions": "四、补短板建议",
    "s_figures": "五、附图",
    "d_overview": "一、全区概况",
    "d_map": "二、生活圈评级分布图",
    "d_matrix": "三、生活圈约束性指标达标情况",
    "d_targets": "四、创建目标完成情况",
    "d_district_indicators": "五、全区指标与完成时限",
    "circle": "生活圈",
    "circle_id": "编号",
    "name": "名称",
    "street": "街道",
    "communities": "社区",
    "population": "常住人口（人）",
    "households": "户数",
    "area_km2": "面积（平方千米）",
    "compound_count": "小区数",
    "grade": "体检评级",
    "grade_reason": "评级说明",
    "grade_NONE": "未达标",
    "grade_AA": "AA型",
    "grade_AAA": "AAA型",
    "cat_constraint": "约束性指标",
    "cat_guiding": "引导性指标",
    "cat_characteristic": "特色性指标",
    "indicator_id": "指标编号",
    "seq": "序号",
    "indicator": "指标",
    "category": "类别",
    "value": "现状值",
    "threshold": "标准值",
    "unit": "单位",
    "status": "评价",
    "status_pass": "达标",
    "status_fail": "未达标",
    "status_missing": "缺数据",
    "margin": "差距",
    "radius_m": "步行半径（米）",
    "source": "依据",
    "verified": "已核对原文",
    "yes": "是",
    "no": "否",
    "deadline": "完成时限",
    "plan_item": "方案条目",
    "facility_categories": "相关设施",
    "affected_population": "受影响人口（人）",
    "affected_compounds": "受影响小区",
    "compound": "小区",
    "community": "社区",
    "nearest_m": "最近步行距离（米）",
    "unreachable": "不可达",
    "no_shortfalls": "本生活圈各项指标均已达标，无短板。",
    "n_shortfalls": "共有 {n} 项指标未达标，涉及 {pop} 名居民（{n_comp} 个小区，同一小区只计一次）。",
    "n_missing": "另有 {n} 项指标缺少数据，无法评价。",
    "responsible_units": "责任单位",
    "remark": "佐证/备注",
    "evidence": "佐证",
    "note": "备注",
    "circles_note": "生活圈划分说明",
    "suggest_manual_units": "该指标为统计或调查数据，请{units}核实并补充佐证材料。",
    "suggest_units": "责任单位：{units}。",
    "map_service_area": "{cat}服务范围（步行 {r} 米）",
    "map_more_categories": "另有 {n} 类短板设施未单独成图，见附表。",
    "map_facilities_shown": "仅绘出本圈及周边 1 千米内的短板类设施",
    "suggest_add": "建议补充：{cats}。",
    "suggest_where": (
        "未覆盖居民主要居住在：{where}（共 {pop} 人，{n} 个小区）。"
        "宜在上述小区步行 {radius} 米范围内选址。"
    ),
    "suggest_where_noradius": "未覆盖居民主要居住在：{where}（共 {pop} 人，{n} 个小区）。",
    "suggest_manual": "该指标为统计或调查数据，请责任单位核实并补充佐证材料。",
    "suggest_missing": "以下指标缺少数据，无法评价，请补充：{items}。",
    "suggest_fewest": (
        "经选址测算，至少新增{cat} {n} 处{proof}，可使步行 {radius} 米覆盖率由 {before} "
        "升至 {after}（要求 {threshold}）。"
    ),
    "suggest_fewest_proof": "（启发式解，未证明最少）",
    "suggest_fewest_sites": "建议选址：{sites}。",
    "suggest_site": "经度 {lon}、纬度 {lat}（新增覆盖 {pop} 人）",
    "suggest_unreachable": (
        "即使在全部 {n} 个候选点新增{cat}，步行 {radius} 米覆盖率最多达到 {after}，"
        "仍低于要求 {threshold}：需在更远处新增用地（如盘活闲置物业），或核对路网与小区位置。"
    ),
    "and_more": "等",
    "fig_overview": "图 {n}　生活圈总览：小区、设施与未覆盖居民",
    "fig_categories": "图 {n}　未达标设施类别的步行可达情况",
    "fig_district": "图 {n}　全区生活圈体检评级分布",
    "kind_circle_report": "生活圈专项体检报告",
    "kind_district_report": "区级专项体检报告",
    "map_legend_compound_ok": "小区（各项短板设施均可达）",
    "map_legend_compound_gap": "小区（存在未覆盖的短板设施）",
    "map_legend_facility": "设施",
    "map_legend_boundary": "生活圈边界",
    "map_legend_within": "{r} 米内",
    "map_legend_beyond": "超过 {r} 米",
    "map_north": "北",
    "map_scale": "{d} 米",
    "map_scale_km": "{d} 千米",
    "map_no_facilities": "（无设施图层：设施未绘出）",
    "chart_indicators": "指标现状值与标准值之比（%）",
    "chart_distance": "短板设施步行距离分布（人口）",
    "chart_grades": "评级数量与创建目标",
    "chart_ratio_note": "100% 为标准值；≤ 类指标按 标准值/现状值 计",
    "band_le": "≤{r}米",
    "band_range": "{a}–{b}米",
    "band_gt": ">{r}米",
    "html_layers": "图层",
    "html_service_areas": "服务范围",
    "html_facilities": "设施",
    "html_compounds": "小区",
    "html_colour_by": "小区着色：到以下设施的步行距离",
    "html_no_js": "本页面的地图与图表需要启用 JavaScript。",
    "targets_table": "创建目标",
    "target_item": "目标",
    "target_required": "目标值",
    "target_current": "本次体检测算",
    "target_status": "状态",
    "target_plan_done": "方案载明已完成",
    "target_history": "历史年度，以评定验收记录为准",
    "target_met": "本次体检测算已满足",
    "target_open": "本次体检测算尚未满足",
    "target_aa_total": "达到AA型标准的生活圈（含AAA型）",
    "target_aaa_total": "AAA型生活圈",
    "target_aa_year": "{y}年新增AA型（{d}前完成）",
    "target_aaa_year": "{y}年新增AAA型（{d}前完成）",
    "target_aa_2022": "2022年已创建AA型",
    "target_plan_source": (
        "依据：《雨花区“绿色完整”居住社区创建实施方案（2023-2025年）》"
        "（雨政办发〔2023〕20号）第四部分。"
    ),
    "target_year_note": (
        "完成时限早于本次体检数据日期的为历史年度，不以本次体检判断，以评定验收记录为准；"
        "其余目标以本次体检评级的累计数（AA型含AAA型）对照累计要求测算。"
        "年度新增数需与任务铺排表（附件2）核对。"
    ),
    "target_not_tracked": "需按年度铺排核对",
    "grade_counts": "评级统计",
    "count": "数量",
    "total": "合计",
    "share_pass": "达标生活圈数",
    "warnings": "体检警告",
    "no_district_indicators": "体检结果中没有全区指标。",
    "sheet_overview": "概况",
    "sheet_indicators": "指标评价",
    "sheet_shortfalls": "短板清单",
    "sheet_compounds": "小区步行距离",
    "sheet_facilities": "设施",
    "sheet_circles": "生活圈",
    "sheet_matrix": "约束性指标",
    "sheet_targets": "创建目标",
    "sheet_district_indicators": "全区指标",
    "facility_id": "设施编号",
    "facility_name": "设施名称",
    "capacity": "规模",
    "in_circle": "位于圈内",
    "distance_unit": "米",
    "people": "人",
    "page": "第 {n} 页",
    "unverified_mark": "；暂定（未核实）",
    "s_places": "“六位”供需（学位、托位、床位、车位、厕位、梯位）",
    "d_places": "六、“六位”供需（全区）",
    "sheet_places": "六位",
    "sheet_suggestions": "补短板建议",
    "sug_advice": "建议",
    "sug_category": "新增设施类别",
    "sug_count": "最少新增（处）",
    "sug_after": "新增后数值",
    "sug_status": "选址求解",
    "sug_site": "选址序号",
    "sug_added": "新增覆盖人口（人）",
    "sug_optimal": "已证明为最少",
    "sug_heuristic": "启发式解（未证明最少）",
    "sug_time_limit": "求解超时，取当前最好解",
    "sug_unreachable": "现有候选点无法达标",
    "place": "类别",
    "place_学位": "学位",
    "place_托位": "托位",
    "place_床位": "床位",
    "place_车位": "车位",
    "place_厕位": "厕位",
    "place_梯位": "梯位",
    "place_supply": "{cap}（{n}处）",
    "place_unknown": "；{n}处未填规模，按0计",
    "place_need": "{need}（按{norm}{unit}）",
    "place_short": "缺 {n}",
    "place_spare": "余 {n}",
    "place_circles": "{passed}/{n} 个达标",
    "place_supply_circle": "圈内供给",
    "place_supply_district": "全区供给",
    "place_need_h": "需求",
    "place_gap": "缺口",
    "place_value_circle": "步行可达测算值",
    "place_value_district": "全区指标值",
    "place_circles_h": "达标生活圈",
    "place_note": (
        "供给为位于{where}的设施规模合计；需求为指标体系的千人指标乘以常住人口；"
        "测算值为该项指标的评价值（设有步行半径的，为居民步行范围内可达的千人指标）；"
        "梯位（既有多层住宅加装电梯）为填报值。"
    ),
    "place_where_circle": "本生活圈内",
    "place_where_district": "全区",
}

EN: dict[str, str] = {
    "circle_report_title": "{district} 15-minute life circle checkup: {name}",
    "district_report_title": "{district} 15-minute life circles: district checkup report",
    "generated_notice": "Sample data: geometry is generated",
    "provisional_notice": (
        "This report uses a provisional indicator catalogue ({catalogue}): some thresholds "
        "are not yet checked against the official text; grades are indicative only and the "
        "official catalogue governs."
    ),
    "grade_disclaimer": (
        "Grades are computed by the checkup; they are not the result of the joint "
        "city/district evaluation."
    ),
    "meta": "About this report",
    "catalogue": "Catalogue",
    "catalogue_provisional": "provisional",
    "catalogue_official": "official",
    "data_hash": "Data hash",
    "software_version": "Software version",
    "report_date": "Report date",
    "checkup_date": "Checkup date",
    "data_date": "Data date",
    "data_date_missing": "not given (the checkup date {d} stands in)",
    "run_id": "Checkup run",
    "s_overview": "1. Overview",
    "s_indicators": "2. Indicators",
    "s_shortfalls": "3. Shortfalls",
    "s_suggestions": "4. Recommendations",
    "s_figures": "5. Maps",
    "d_overview": "1. District overview",
    "d_map": "2. Grades of the life circles",
    "d_matrix": "3. Constraint indicators by circle",
    "d_targets": "4. Progress against the plan's targets",
    "d_district_indicators": "5. District indicators and deadlines",
    "circle": "Circle",
    "circle_id": "ID",
    "name": "Name",
    "street": "Street",
    "communities": "Communities",
    "population": "Population",
    "households": "Households",
    "area_km2": "Area (km²)",
    "compound_count": "Compounds",
    "grade": "Grade",
    "grade_reason": "Reason",
    "grade_NONE": "Below AA",
    "grade_AA": "AA",
    "grade_AAA": "AAA",
    "cat_constraint": "Constraint",
    "cat_guiding": "Guiding",
    "cat_characteristic": "Characteristic",
    "indicator_id": "Indicator ID",
    "seq": "No.",
    "indicator": "Indicator",
    "category": "Category",
    "value": "Value",
    "threshold": "Threshold",
    "unit": "Unit",
    "status": "Result",
    "status_pass": "pass",
    "status_fail": "fail",
    "status_missing": "no data",
    "margin": "Margin",
    "radius_m": "Walk radius (m)",
    "source": "Source",
    "verified": "Verified",
    "yes": "yes",
    "no": "no",
    "deadline": "Deadline",
    "plan_item": "Plan item",
    "facility_categories": "Facilities",
    "affected_population": "Residents affected",
    "affected_compounds": "Compounds affected",
    "compound": "Compound",
    "community": "Community",
    "nearest_m": "Nearest walk (m)",
    "unreachable": "unreachable",
    "no_shortfalls": "Every indicator passes: no shortfalls.",
    "n_shortfalls": "{n} indicators fail, affecting {pop} residents in {n_comp} compounds (each counted once).",
    "n_missing": "{n} more indicators have no data and cannot be evaluated.",
    "responsible_units": "Responsible units",
    "remark": "Evidence / note",
    "evidence": "Evidence",
    "note": "Note",
    "circles_note": "About the circles",
    "suggest_manual_units": "Statistical or survey value: {units} should confirm it with evidence.",
    "suggest_units": "Responsible: {units}.",
    "map_service_area": "{cat} service area ({r} m walk)",
    "map_more_categories": "{n} more failing categories are not mapped separately; see the tables.",
    "map_facilities_shown": "Only shortfall facilities in the circle and within 1 km of it are drawn",
    "suggest_add": "Add: {cats}.",
    "suggest_where": (
        "Uncovered residents live mainly in: {where} ({pop} residents, {n} compounds). "
        "Site new facilities within a {radius} m walk of them."
    ),
    "suggest_where_noradius": (
        "Uncovered residents live mainly in: {where} ({pop} residents, {n} compounds)."
    ),
    "suggest_manual": (
        "Statistical or survey value: the responsible unit should confirm it with evidence."
    ),
    "suggest_missing": "No data for these indicators; please supply: {items}.",
    "suggest_fewest": (
        "Siting: at least {n} new {cat}{proof} raise the {radius} m walking coverage from "
        "{before} to {after} (required: {threshold})."
    ),
    "suggest_fewest_proof": " (heuristic, not proven fewest)",
    "suggest_fewest_sites": "Suggested sites: {sites}.",
    "suggest_site": "lon {lon}, lat {lat} (+{pop} residents)",
    "suggest_unreachable": (
        "Even a new {cat} at each of the {n} candidate points reaches at most {after} within "
        "{radius} m, short of {threshold}: find land farther out (e.g. idle property) or check "
        "the network and compound locations."
    ),
    "and_more": "and more",
    "fig_overview": "Figure {n}. Overview: compounds, facilities and uncovered residents",
    "fig_categories": "Figure {n}. Walking access to the failing facility categories",
    "fig_district": "Figure {n}. Checkup grades of all life circles",
    "kind_circle_report": "Life circle checkup report",
    "kind_district_report": "District checkup report",
    "map_legend_compound_ok": "Compound (all shortfall facilities in reach)",
    "map_legend_compound_gap": "Compound (some shortfall facility out of reach)",
    "map_legend_facility": "Facility",
    "map_legend_boundary": "Circle boundary",
    "map_legend_within": "within {r} m",
    "map_legend_beyond": "beyond {r} m",
    "map_north": "N",
    "map_scale": "{d} m",
    "map_scale_km": "{d} km",
    "map_no_facilities": "(no facility layer: facilities not drawn)",
    "chart_indicators": "Value as % of threshold",
    "chart_distance": "Walking distance to shortfall facilities (residents)",
    "chart_grades": "Grades against the plan's targets",
    "chart_ratio_note": "100% = threshold; for ≤ indicators threshold/value",
    "band_le": "≤{r} m",
    "band_range": "{a}–{b} m",
    "band_gt": ">{r} m",
    "html_layers": "Layers",
    "html_service_areas": "Service areas",
    "html_facilities": "Facilities",
    "html_compounds": "Compounds",
    "html_colour_by": "Colour compounds by walking distance to",
    "html_no_js": "The maps and charts on this page need JavaScript.",
    "targets_table": "Targets",
    "target_item": "Target",
    "target_required": "Required",
    "target_current": "This checkup",
    "target_status": "Status",
    "target_plan_done": "reported met by the plan",
    "target_history": "past year: see the evaluation records",
    "target_met": "met by this checkup",
    "target_open": "not yet met by this checkup",
    "target_aa_total": "Circles at AA standard (AAA included)",
    "target_aaa_total": "AAA circles",
    "target_aa_year": "New AA circles in {y} (by {d})",
    "target_aaa_year": "New AAA circles in {y} (by {d})",
    "target_aa_2022": "AA circles created in 2022",
    "target_plan_source": (
        "Source: Yuhua District plan for green and complete residential communities "
        "2023-2025 (雨政办发〔2023〕20号), part 4."
    ),
    "target_year_note": (
        "Targets due before this checkup's data date are past years, judged by the "
        "evaluation records and not by this checkup; the others compare the checkup's "
        "cumulative grade counts (AA including AAA) with the cumulative requirement. "
        "Yearly numbers must be checked against the task schedule (attachment 2)."
    ),
    "target_not_tracked": "check against the schedule",
    "grade_counts": "Grade counts",
    "count": "Count",
    "total": "Total",
    "share_pass": "Circles passing",
    "warnings": "Checkup warnings",
    "no_district_indicators": "The checkup has no district indicators.",
    "sheet_overview": "Overview",
    "sheet_indicators": "Indicators",
    "sheet_shortfalls": "Shortfalls",
    "sheet_compounds": "Compounds",
    "sheet_facilities": "Facilities",
    "sheet_circles": "Circles",
    "sheet_matrix": "Constraint indicators",
    "sheet_targets": "Targets",
    "sheet_district_indicators": "District indicators",
    "facility_id": "Facility ID",
    "facility_name": "Facility",
    "capacity": "Capacity",
    "in_circle": "In circle",
    "distance_unit": "m",
    "people": "residents",
    "page": "Page {n}",
    "unverified_mark": "; provisional (not verified)",
    "s_places": "The six places (school, childcare, care beds, parking, toilets, lifts)",
    "d_places": "6. The six places (district)",
    "sheet_places": "Six places",
    "sheet_suggestions": "Recommendations",
    "sug_advice": "Recommendation",
    "sug_category": "Facility to add",
    "sug_count": "Fewest new",
    "sug_after": "Value after",
    "sug_status": "Siting solution",
    "sug_site": "Site",
    "sug_added": "Residents added",
    "sug_optimal": "proven fewest",
    "sug_heuristic": "heuristic (not proven fewest)",
    "sug_time_limit": "time limit: best found",
    "sug_unreachable": "cannot pass from the candidates",
    "place": "Place",
    "place_学位": "School places",
    "place_托位": "Childcare places",
    "place_床位": "Care beds",
    "place_车位": "Parking spaces",
    "place_厕位": "Toilet places",
    "place_梯位": "Lifts",
    "place_supply": "{cap} ({n} facilities)",
    "place_unknown": "; {n} without capacity, counted 0",
    "place_need": "{need} (at {norm} {unit})",
    "place_short": "short {n}",
    "place_spare": "spare {n}",
    "place_circles": "{passed} of {n} pass",
    "place_supply_circle": "Supply in circle",
    "place_supply_district": "Supply in district",
    "place_need_h": "Need",
    "place_gap": "Gap",
    "place_value_circle": "Within walking reach",
    "place_value_district": "District indicator",
    "place_circles_h": "Circles passing",
    "place_note": (
        "Supply: total capacity of the facilities {where}; need: the catalogue's norm per "
        "1,000 residents times the population; value: the indicator as evaluated (with a "
        "walking radius, places within reach of the homes per 1,000); lifts (in existing "
        "multi-storey housing): the value reported."
    ),
    "place_where_circle": "in the circle",
    "place_where_district": "in the district",
}

STRINGS = {"zh": ZH, "en": EN}

# Facility category ids (docs/interfaces.md) and their names.
CATEGORIES: dict[str, tuple[str, str]] = {
    "kindergarten": ("幼儿园", "Kindergarten"),
    "nursery": ("托育机构（托儿所）", "Nursery"),
    "primary_school": ("小学", "Primary school"),
    "middle_school": ("初中", "Middle school"),
    "elderly_service_station": ("居家养老服务站", "Home elderly-care station"),
    "day_care_centre": ("老年人日间照料中心", "Elderly day-care centre"),
    "community_health_station": ("社区卫生服务站", "Community health station"),
    "community_service_station": ("社区综合服务站", "Community service station"),
    "culture_station": ("文化活动站（含图书室）", "Culture station (with reading room)"),
    "fitness_ground": ("室外综合健身场地", "Outdoor fitness ground"),
    "sports_court": ("多功能运动场地", "Multi-sport court"),
    "park": ("公园绿地", "Park"),
    "supermarket": ("综合超市", "Supermarket"),
    "fresh_market": ("菜市场或生鲜超市", "Fresh market"),
    "pharmacy": ("药店", "Pharmacy"),
    "barber": ("理发店", "Barber"),
    "laundry": ("洗衣店", "Laundry"),
    "repair": ("维修点", "Repair shop"),
    "bank": ("银行网点", "Bank branch"),
    "housekeeping": ("家政服务点", "Housekeeping service"),
    "restaurant": ("餐饮店", "Restaurant"),
    "canteen": ("社区食堂（老年助餐点）", "Community canteen"),
    "parcel_locker": ("邮件和快件寄递服务（快递柜）", "Parcel lockers"),
    "public_toilet": ("公共厕所", "Public toilet"),
    "waste_station": ("垃圾分类收集点", "Waste sorting point"),
    "bus_stop": ("公交车站", "Bus stop"),
    "metro_station": ("轨道交通站点", "Metro station"),
    "parking": ("停车场", "Car park"),
    "ev_charger": ("充电桩", "EV charger"),
    "bike_shed": ("非机动车停车棚", "Bicycle shed"),
}


class Text:
    """Looks words up in one language's table; ``T("key", n=1)`` formats."""

    def __init__(self, lang: str) -> None:
        if lang not in STRINGS:
            raise ValueError(f"unknown language {lang!r}; use one of {', '.join(LANGS)}")
        self.lang = lang
        self.table = STRINGS[lang]

    def __call__(self, key: str, **fmt: object) -> str:
        text = self.table[key]
        return text.format(**fmt) if fmt else text

    def category(self, cat_id: str) -> str:
        """Name of a facility category; the id itself when the category is not known."""
        names = CATEGORIES.get(cat_id)
        if names is None:
            return cat_id
        return names[0] if self.lang == "zh" else names[1]

    def indicator(self, ind: IndicatorInfo) -> str:
        """Name of an indicator in this language (falls back to the other one, then the id)."""
        first, second = (
            (ind.name_zh, ind.name_en) if self.lang == "zh" else (ind.name_en, ind.name_zh)
        )
        return first or second or ind.id

    def sep(self) -> str:
        return "、" if self.lang == "zh" else ", "
