"""The scenario: every parameter of a run, validated, with its unit and range.

A scenario is a tree of pydantic models. Every field has a default, a unit
(``json_schema_extra["unit"]``) and a valid range (``ge``/``le``/``gt``/``lt``
constraints); unknown keys, wrong types, NaN and out-of-range values are
refused, and types are strict (``true`` is not 1, ``"3000"`` is not 3000,
``3000.0`` is not an integer; an integer is accepted where a decimal is
expected). Scenarios are read from and written to TOML; ``to_toml`` writes a
file that ``load_scenario`` accepts back unchanged. In a file, a
``[categories.X]`` table changes the fields it names of category X and keeps
the other categories (a new name adds a category); ``replace_categories =
true`` at the top makes the file's categories the whole set.

Money is in yuan, time in days, rates and shares are fractions in [0, 1].
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated, Any, Iterable, Iterator, Literal, Union

import tomli_w
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from sim.errors import ScenarioError, read_toml


def F(default: Any, desc: str, unit: str = "", **kw: Any) -> Any:
    """A documented field: default, description, unit and range constraints."""
    return Field(default, description=desc, json_schema_extra={"unit": unit}, **kw)


def Rate(default: float, desc: str, unit: str = "fraction") -> Any:
    return F(default, desc, unit, ge=0.0, le=1.0)


class Section(BaseModel):
    # strict: true is not 1, "3000" is not 3000, 3000.0 is not an int (an int is a valid float)
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, validate_assignment=True, strict=True)


# --------------------------------------------------------------------- sections


class Population(Section):
    consumers: int = F(100_000, "simulated consumers (each one row of the consumer arrays)", "consumers", ge=10, le=20_000_000)
    suppliers: int = F(400, "suppliers (merchants, brands, farms)", "suppliers", ge=2, le=200_000)
    large_brand_share: float = F(0.2, "share of suppliers that are large brands; the rest are SMEs", "fraction", ge=0.0, le=1.0)
    anchors: int = F(2000, "anchors (streamers)", "anchors", ge=1, le=1_000_000)
    users_per_consumer: float = F(5000.0, "real users one simulated consumer stands for (used only to scale reported audience figures)", "users", ge=1.0, le=1e9)
    reference_consumers: int = F(100_000, "the population that the per-consumer sizes are given for: a supplier's capacity (and with it initial stock and cash) is multiplied by the supplier scale (consumers / reference_consumers) x (reference_suppliers / suppliers), the lender's capital (finance.lender_capital) by consumers / reference_consumers, so that a bigger world is the same world, only finer (docs/model.md, Population scale)", "consumers", ge=10, le=20_000_000)
    reference_suppliers: int = F(400, "the number of suppliers that suppliers.capacity_large and capacity_sme are given for, at reference_consumers consumers (set both equal to this world's consumers and suppliers to use the capacities as given)", "suppliers", ge=2, le=200_000)


class Time(Section):
    days: int = F(365, "simulated horizon", "days", ge=1, le=3650)
    settlement_period: int = F(30, "days between settlement days", "days", ge=1, le=365)
    adaptation_interval: int = F(7, "days between adaptation of fees, prices and product choice", "days", ge=1, le=365)


class Category(Section):
    supplier_weight: float = F(1.0, "relative number of suppliers in this category", "weight", gt=0.0, le=1e6)
    consumer_interest: float = F(1.0, "relative interest of consumers in this category", "weight", gt=0.0, le=1e6)
    mean_price: float = F(100.0, "mean list price of a product", "yuan", gt=0.0, le=1e7)
    price_dispersion: float = F(0.4, "log-normal sigma of prices across suppliers", "log-units", ge=0.0, le=3.0)
    unit_cost_share: float = F(0.5, "production cost of a unit as a share of its initial price", "fraction", ge=0.0, le=1.0)
    commission_rate: float = Rate(0.05, "platform technical service fee on GMV")
    base_return_rate: float = Rate(0.1, "return probability of a typical purchase")
    reverse_logistics_share: float = F(0.3, "reverse logistics and handling cost of a return, as a share of the item's price", "fraction", ge=0.0, le=5.0)
    forward_logistics: float = F(4.0, "forward shipping cost per parcel, paid by the supplier", "yuan", ge=0.0, le=1e5)
    spoilage_per_day: float = Rate(0.0, "probability a unit spoils per day in transit (perishables)", "probability/day")
    shipping_days: int = F(2, "days from order to delivery", "days", ge=0, le=60)
    try_on_applicable: bool = F(False, "virtual try-on (returns.virtual_try_on) applies to this category", "switch")


def _default_categories() -> dict[str, Category]:
    C = Category
    return {
        "apparel": C(supplier_weight=0.30, consumer_interest=0.30, mean_price=110.0, unit_cost_share=0.45,
                     commission_rate=0.05, base_return_rate=0.31, reverse_logistics_share=0.5, shipping_days=2,
                     try_on_applicable=True),
        "beauty": C(supplier_weight=0.15, consumer_interest=0.18, mean_price=140.0, unit_cost_share=0.35,
                    commission_rate=0.05, base_return_rate=0.10, reverse_logistics_share=0.5, shipping_days=2),
        "food": C(supplier_weight=0.20, consumer_interest=0.22, mean_price=55.0, unit_cost_share=0.55,
                  commission_rate=0.02, base_return_rate=0.05, reverse_logistics_share=0.5,
                  spoilage_per_day=0.05, shipping_days=3),
        "electronics": C(supplier_weight=0.10, consumer_interest=0.10, mean_price=500.0, unit_cost_share=0.70,
                         commission_rate=0.03, base_return_rate=0.12, reverse_logistics_share=0.35, shipping_days=2),
        "jewelry": C(supplier_weight=0.08, consumer_interest=0.08, mean_price=600.0, unit_cost_share=0.40,
                     commission_rate=0.05, base_return_rate=0.25, reverse_logistics_share=0.45, shipping_days=2),
        "home": C(supplier_weight=0.17, consumer_interest=0.12, mean_price=90.0, unit_cost_share=0.50,
                  commission_rate=0.05, base_return_rate=0.10, reverse_logistics_share=0.5, shipping_days=3),
    }


class Platform(Section):
    settlement_delay_days: int = F(7, "days added after the slowest category's delivery and return window before an order can be settled (paid on the next settlement day)", "days", ge=0, le=365)
    return_window_days: int = F(7, "no-reason return window after delivery", "days", ge=0, le=90)
    public_impressions_per_active: float = F(3.0, "public live-room impressions the platform pushes to each active consumer per day", "impressions", ge=0.0, le=100.0)
    click_through: float = Rate(0.35, "probability that a pushed impression turns into a viewer of the room")
    shelf_views_per_active: float = F(2.0, "shelf product pages viewed per active consumer per day (scaled by shelf preference)", "pages", ge=0.0, le=100.0)


class Traffic(Section):
    preferential_exponent: float = F(0.4, "exponent on recent performance in the ranking score (Matthew effect)", "", ge=0.0, le=5.0)
    performance_half_life: float = F(7.0, "half-life of the recent-performance memory behind the score", "days", gt=0.0, le=365.0)
    anchor_cap: float = F(1.0, "largest share of public traffic one broadcast (an anchor's or a store's) may take (1 = no cap)", "fraction", gt=0.0, le=1.0)
    long_tail_reserve: float = Rate(0.0, "share of public traffic reserved for SME store broadcasts and small or new anchors, allocated by predicted GMV")
    reserve_sme_share: float = Rate(0.5, "part of the long-tail reserve for SME merchants' store broadcasts; the rest goes to small (tail) or new anchors")
    new_entrant_boost: float = F(2.0, "score multiplier for anchors younger than new_entrant_days", "multiplier", ge=1.0, le=100.0)
    new_entrant_days: int = F(30, "age below which an anchor counts as a new entrant", "days", ge=0, le=3650)
    exploration_share: float = Rate(0.3, "share of public traffic spread evenly over all broadcasts")


class Anchors(Section):
    popularity_pareto_shape: float = F(2.0, "Pareto shape of anchor popularity (lower = more concentrated followers)", "", gt=0.1, le=10.0)
    follows_per_consumer: float = F(3.0, "mean number of anchors a consumer follows at the start", "anchors", ge=0.0, le=16.0)
    max_follows: int = F(8, "most anchors one consumer can follow", "anchors", ge=1, le=64)
    head_share: float = Rate(0.01, "share of anchors in the head tier (by followers)")
    waist_share: float = Rate(0.09, "share of anchors in the waist tier (below the head)")
    skill_sigma: float = F(0.35, "log-normal sigma of selling skill (conversion multiplier)", "log-units", ge=0.0, le=3.0)
    skill_popularity_elasticity: float = F(0.8, "rise of log skill per standard normal score of the anchor's popularity rank", "log-units", ge=0.0, le=3.0)
    broadcast_probability_head: float = Rate(0.8, "daily probability that a head anchor broadcasts", "probability/day")
    broadcast_probability_waist: float = Rate(0.5, "daily probability that a waist anchor broadcasts", "probability/day")
    broadcast_probability_tail: float = Rate(0.25, "daily probability that a tail anchor broadcasts", "probability/day")
    products_per_broadcast: int = F(3, "products listed in one broadcast", "products", ge=1, le=50)
    partners: int = F(6, "suppliers an anchor keeps as partners to pick listings from", "suppliers", ge=1, le=200)
    commission_rate: float = Rate(0.20, "initial commission an anchor asks on GMV")
    head_commission_premium: float = Rate(0.10, "extra commission asked by head anchors")
    pit_fee_per_follower: float = F(0.02, "pit (slot) fee asked per simulated follower per listing", "yuan/follower", ge=0.0, le=1e4)
    new_share: float = Rate(0.03, "share of anchors that are new entrants at the start")


class Suppliers(Section):
    capacity_large: float = F(1500.0, "daily production capacity of a large brand, at the reference population (times the supplier scale, population.reference_consumers)", "units/day", gt=0.0, le=1e9)
    capacity_sme: float = F(20.0, "daily production capacity of an SME, at the reference population (times the supplier scale, population.reference_consumers)", "units/day", gt=0.0, le=1e9)
    lead_time_large: int = F(2, "production lead time of a large brand", "days", ge=0, le=120)
    lead_time_sme: int = F(5, "production lead time of an SME", "days", ge=0, le=120)
    appeal_large: float = F(1.0, "brand appeal of a large brand (weight in anchors' product choice)", "", gt=0.0, le=100.0)
    appeal_sme: float = F(0.04, "brand appeal of an SME", "", gt=0.0, le=100.0)
    quality_large: float = Rate(0.75, "mean true quality of a large brand's product", "score in [0,1]")
    quality_sme: float = Rate(0.6, "mean true quality of an SME's product", "score in [0,1]")
    exaggeration_large: float = Rate(0.03, "mean gap between advertised and true quality, large brands", "score in [0,1]")
    exaggeration_sme: float = Rate(0.10, "mean gap between advertised and true quality, SMEs", "score in [0,1]")
    store_broadcast_probability_large: float = Rate(0.5, "daily probability that a large brand runs its own store broadcast", "probability/day")
    store_broadcast_probability_sme: float = Rate(0.3, "daily probability that an SME runs its own store broadcast", "probability/day")
    store_skill: float = F(0.5, "selling skill of a store broadcast (conversion multiplier)", "multiplier", gt=0.0, le=100.0)
    min_margin_share: float = Rate(0.1, "smallest unit margin, after fees and commission, a supplier accepts for a listing, as a share of price")
    initial_cash_days: float = F(30.0, "owners' starting cash, in days of production cost at capacity", "days", ge=0.0, le=3650.0)
    initial_stock_days: float = F(10.0, "initial stock in days of capacity", "days", ge=0.0, le=365.0)
    target_stock_days: float = F(6.0, "stock, in days of recent sales, that production aims to keep", "days", ge=0.0, le=365.0)
    shelf_visibility_large: float = F(1.0, "relative chance a shelf page view lands on a large brand's product", "weight", gt=0.0, le=1e6)
    shelf_visibility_sme: float = F(0.08, "relative chance a shelf page view lands on an SME's product", "weight", gt=0.0, le=1e6)


class Consumers(Section):
    activity: float = Rate(0.35, "daily probability a consumer is active while institutional trust is at its initial level", "probability/day")
    activity_trust_elasticity: float = F(1.0, "how strongly activity follows institutional trust (0 = not at all)", "", ge=0.0, le=10.0)
    budget_mean: float = F(400.0, "mean daily spending budget of an active consumer", "yuan/day", gt=0.0, le=1e7)
    budget_sigma: float = F(0.9, "log-normal sigma of budgets", "log-units", ge=0.0, le=3.0)
    price_sensitivity: float = F(1.0, "mean price sensitivity (coefficient on log price relative to the category's mean)", "", ge=0.0, le=20.0)
    impulsiveness_mean: float = F(0.4, "mean impulsiveness (beta distributed)", "score in [0,1]", gt=0.0, lt=1.0)
    impulsiveness_concentration: float = F(5.0, "beta concentration (a+b) of impulsiveness", "", gt=0.0, le=1000.0)
    shelf_preference_mean: float = F(0.5, "mean preference for shelf e-commerce over live rooms", "score in [0,1]", gt=0.0, lt=1.0)
    initial_institutional_trust: float = Rate(0.7, "initial trust in the platform", "score in [0,1]")
    initial_personal_trust: float = Rate(0.6, "initial trust in each followed anchor", "score in [0,1]")
    stranger_trust_factor: float = Rate(0.5, "trust in an anchor not followed, as a share of institutional trust")
    watch_followed: float = Rate(0.6, "probability an active consumer watches a followed anchor who is live today", "probability")
    follow_after_purchase: float = Rate(0.08, "probability a buyer starts following the anchor", "probability")
    category_focus: float = F(2.0, "concentration of each consumer's category preferences (Dirichlet scale)", "", gt=0.0, le=1000.0)


class Purchase(Section):
    intercept: float = F(-5.2, "logit of buying in a live room, before the terms below", "logit", ge=-20.0, le=20.0)
    skill: float = F(1.6, "coefficient on log selling skill", "logit/log-unit", ge=-20.0, le=20.0)
    personal_trust: float = F(2.0, "coefficient on personal trust in the anchor", "logit", ge=-20.0, le=20.0)
    institutional_trust: float = F(1.0, "coefficient on institutional trust", "logit", ge=-20.0, le=20.0)
    impulsiveness: float = F(1.5, "coefficient on impulsiveness", "logit", ge=-20.0, le=20.0)
    advertised_quality: float = F(1.5, "coefficient on advertised quality", "logit", ge=-20.0, le=20.0)
    category_interest: float = F(1.0, "coefficient on log of the consumer's interest in the category relative to uniform", "logit/log-unit", ge=-20.0, le=20.0)
    shelf_intercept: float = F(-4.8, "logit of buying from a shelf page, before the terms above (skill 1 and a neutral personal-trust term: no room on the shelf)", "logit", ge=-20.0, le=20.0)


class Returns(Section):
    impulsiveness_effect: float = F(0.6, "relative rise of the return probability per unit of impulsiveness above the mean", "", ge=0.0, le=20.0)
    exaggeration_effect: float = F(2.5, "relative rise of the return probability per unit of advertised-minus-true quality", "", ge=0.0, le=50.0)
    virtual_try_on: bool = F(False, "suppliers of categories with try_on_applicable offer virtual try-on", "switch")
    try_on_reduction: float = Rate(0.4, "relative cut of the return probability by virtual try-on (categories with try_on_applicable)")


class TrustParams(Section):
    good_gain: float = Rate(0.03, "rise of personal trust after a good delivery, as a share of the distance to 1")
    bad_loss: float = Rate(0.15, "fall of personal trust after a mismatch return or a spoiled delivery, as a share of trust")
    institutional_gain: float = Rate(0.005, "rise of institutional trust after a good purchase, as a share of the distance to 1")
    institutional_loss: float = Rate(0.03, "fall of institutional trust after a mismatch return or a spoiled delivery, as a share of trust")
    institutional_floor: float = Rate(0.0, "floor under institutional trust from platform guarantees", "score in [0,1]")


class Adaptation(Section):
    fee_step: float = F(0.05, "relative change of an anchor's commission rate and pit-fee multiplier at each adaptation", "fraction", ge=0.0, le=1.0)
    price_step: float = F(0.02, "relative change of a supplier's price at each adaptation", "fraction", ge=0.0, le=1.0)
    partner_switch_probability: float = Rate(0.2, "probability an anchor replaces its worst partner at each adaptation")
    max_markup: float = F(4.0, "largest price as a multiple of unit cost", "multiple", gt=1.0, le=100.0)


class Coalition(Section):
    """Coalition modes (MODEL.md 4.6-4.7): agents' standalone channels outside the
    coalition, the evaluation window of coalition worths, and the split dynamics."""

    players: str = F("roles", "player partition: 'roles' (platform, supplier, anchor) or groups like 'platform;large=suppliers:large;sme=suppliers:sme;anchor=anchors:all' (see docs/coalition.md)", "")
    own_shop_reach: float = Rate(0.5, "share of the shelf shoppers who would have looked at a supplier on the platform's shelf and who find its own shop when it is off the platform (the others browse the platform's shelf, if any supplier is on it); at most 1: an own shop sells only to the model's consumers, out of their shopping")
    own_shop_friction: float = F(1.0, "logit units taken off the shelf's conversion in a supplier's own shop (no platform guarantees, payment or logistics network); at least 0: an own shop converts no better than the platform's shelf", "logit", ge=0.0, le=20.0)
    tip_per_viewer: float = F(0.2, "tips an anchor earns per viewer of a content broadcast (FACTS.md: about 0.2 yuan)", "yuan/viewer", ge=0.0, le=1e4)
    ad_per_follower: float = F(0.02, "advertising income of an anchor not selling, per follower and day (FACTS.md: 0.02 yuan)", "yuan/follower/day", ge=0.0, le=1e4)
    content_platform_share: float = Rate(0.5, "share of an anchor's tips and advertising the platform keeps in content-only mode {platform, anchor}")
    content_public_multiplier: float = F(1.0, "public viewers the platform adds to a content broadcast, per follower viewer", "viewers/viewer", ge=0.0, le=100.0)
    offplatform_reach: float = Rate(0.5, "share of an anchor's followers who still find its room off the platform")
    offplatform_friction: float = F(1.0, "logit units taken off conversion when selling off the platform (no guarantees, payment friction)", "logit", ge=0.0, le=20.0)
    window_days: int = F(30, "evaluation window of coalition worths (default: one settlement period)", "days", ge=1, le=3650)
    warmup_days: int = F(0, "days run in the grand coalition before the window (shared by all coalition forks)", "days", ge=0, le=3650)
    replications: int = F(1, "replications (seeds) of the one-shot game; with 1, standard errors come from batch means within the window", "runs", ge=1, le=1000)
    batches: int = F(5, "batches of the window for batch-means standard errors (one replication)", "batches", ge=2, le=365)
    risk_weight: float = Rate(0.3, "weight r of risk in the risk-adjusted Shapley value (MODEL.md 7)")
    split_rule: Literal["shapley", "risk_adjusted_shapley", "nucleolus", "least_core", "proportional", "equal_surplus", "status_quo"] = F("shapley", "split rule applied each settlement period in the dynamics", "")
    inertia: float = F(0.1, "damping of defection: a member of a blocking coalition with relative excess e defects with probability e / (e + inertia)", "fraction", gt=0.0, le=1e6)
    reentry_probability: float = Rate(0.0, "per period, probability a defected agent returns to the grand coalition when the split is in the core", "probability/period")
    shock: str = F("none", "named shock scenario of the stability study (sim.studies.split_stability.SHOCKS)", "")


class FinanceParams(Section):
    """Money and credit (MODEL.md 4.5): order loans, receivable financing,
    trade credit to upstream suppliers, deposits, defaults and mitigations."""

    enabled: bool = F(True, "the credit sub-model: order loans, trade credit, defaults (off = settlement only; suppliers' cash may then go negative)", "switch")
    order_loans: bool = F(True, "the platform's order-loan programme: suppliers draw on a credit line to cover cash needs", "switch")
    credit_multiple: float = F(1.0, "credit line as a multiple of trailing platform sales as reported to the lender", "multiple", ge=0.0, le=24.0)
    sales_window_days: int = F(30, "trailing window of sales behind the credit line", "days", ge=1, le=365)
    interest_rate: float = F(0.08, "annual interest on order loans (accrued daily, paid on settlement days)", "1/year", ge=0.0, le=2.0)
    loan_term_days: int | None = F(None, "days over which a loan is amortised in equal instalments on settlement days (default: one settlement period, capped at the horizon)", "days", ge=1, le=3650)
    receivable_financing: bool = F(True, "a supplier short of cash may sell its matured receivables in escrow to the lender", "switch")
    receivable_discount: float = Rate(0.02, "discount on receivables sold to the lender (its fee)")
    trade_credit_share: float = Rate(0.0, "share of a large brand's production bought from SME suppliers on credit (the upstream chain)")
    trade_credit_days: int = F(30, "days a large brand takes to pay its upstream suppliers' invoices", "days", ge=1, le=365)
    upstream_links: int = F(4, "SME suppliers each large brand buys from on credit", "suppliers", ge=1, le=100)
    upstream_margin: float = Rate(0.15, "SME's margin on goods it supplies upstream (its own cost, paid when produced, is the rest)")
    margin_deposit_rate: float = Rate(0.0, "margin deposit a supplier keeps with the platform, as a share of trailing sales; paid to its creditors if it defaults")
    dynamic_deposits: bool = F(False, "the margin deposit grows with the supplier's leverage (loan / credit line)", "switch")
    risk_reserve_rate: float = Rate(0.0, "share of the platform's commission income put into a risk reserve that compensates creditors (upstream suppliers, anchors) of a defaulter")
    upstream_escrow: bool = F(False, "escrow for upstream suppliers: on settlement days the platform holds back from a merchant's cash what it owes upstream, releases it as invoices fall due, and a defaulter's held funds and escrowed receivables pay its trade creditors before the lender", "switch")
    return_insurance_premium: float = Rate(0.0, "premium suppliers pay into the return-insurance pool, as a share of settled sales")
    return_insurance_cover: float = Rate(0.8, "share of a return's reverse-logistics cost the pool pays back to the supplier (while the pool has money)")
    lender_true_sales: bool = F(False, "the lender sees true sales (data sharing), so faked sales do not inflate credit lines", "switch")
    lender_capital: float | None = F(None, "the lender's own capital at the reference population (times consumers / population.reference_consumers), paid in by its owners at the start: it lends and buys receivables only up to its cash, rationing the day's requests pro rata when they exceed it (unset: unlimited outside funding)", "yuan", ge=0.0, le=1e13)
    faked_sales_merchant_share: float = Rate(0.0, "share of suppliers that report faked sales to the lender (the trust and fraud model may drive this later)")
    faked_sales_share: float = F(0.0, "reported sales inflation of those suppliers: 0.5 reports 150% of true sales", "fraction", ge=0.0, le=10.0)
    fake_order_cost: float = Rate(0.15, "what faking costs a dishonest supplier (brushing fees, commission on fake orders), as a share of the faked sales, paid daily")
    fake_detection_probability: float = Rate(0.1, "probability per settlement day that the lender detects a dishonest borrower's faked sales: the loan is recalled and credit barred", "probability")
    contagion_memory_days: int = F(90, "how long a loss from a default or a shock counts as the cause of a later default", "days", ge=1, le=3650)
    presale_share: float = Rate(0.0, "share of live-room orders (anchor and store broadcasts) that are pre-sale orders: a deposit now, the goods and the balance presale_lead_days later (a presale event overrides it on its days)")
    presale_lead_days: int = F(14, "extra days before a pre-sale order ships (its delivery, return window and settlement move as much later); its stock is taken on the shipping day", "days", ge=1, le=365)
    presale_deposit_share: float = F(0.2, "share of a pre-sale order's price the consumer pays at order (the deposit); the balance is paid when the goods ship", "fraction", gt=0.0, le=1.0)
    presale_release_share: float = Rate(0.5, "share of the merchant's part (price less commission) of each pre-sale payment the platform releases to the merchant at once, before delivery (ignored with presale_escrow)")
    presale_escrow: bool = F(False, "escrow of pre-sale funds: pre-sale payments stay in escrow until the order settles, nothing is released to the merchant early", "switch")


class Guarantees(Section):
    """Platform trust instruments (levers; all off in the default scenario)."""

    compensation: bool = F(False, "the platform compensates several times the price for fakes and misdescribed goods", "switch")
    compensation_loss_cut: float = Rate(0.5, "relative cut of the institutional-trust loss of a bad experience under the compensation guarantee")
    compensation_floor: float = Rate(0.6, "floor under institutional trust while the compensation guarantee holds", "score in [0,1]")
    compensation_risk_cover: float = Rate(0.2, "share of the perceived risk (1 - institutional trust) the compensation guarantee takes away when it is offered")
    fast_refunds: bool = F(False, "refunds are paid at once on a return, without dispute", "switch")
    fast_refund_loss_cut: float = Rate(0.3, "relative cut of the institutional-trust loss of a mismatch return under fast refunds")
    fast_refund_risk_cover: float = Rate(0.1, "share of the perceived risk (1 - institutional trust) fast refunds take away when they are offered")
    traceability: bool = F(False, "products carry traceable origin codes", "switch")
    traceability_fake_cut: float = Rate(0.5, "relative cut of counterfeit sales by dishonest suppliers under traceability")
    spill_over_cut: float = Rate(0.5, "relative cut of a persona collapse's spill-over onto institutional trust per active instrument (compensation, traceability), compounded")


class Fraud(Section):
    """Fake viewers and fake orders bought by dishonest anchors and merchants."""

    enabled: bool = F(True, "dishonest anchors and merchants buy fake traffic and orders", "switch")
    honesty_mean: float = Rate(0.8, "mean honesty of anchors and suppliers (beta distributed)", "score in [0,1]")
    honesty_concentration: float = F(8.0, "beta concentration (a+b) of honesty", "", gt=0.0, le=1000.0)
    honesty_threshold: float = Rate(0.5, "honesty below which an agent fakes heat", "score in [0,1]")
    fake_order_share: float = F(0.3, "fake orders (and fake viewers) bought, as a share of real GMV, by a fully dishonest agent; scales with (threshold - honesty) / threshold", "fraction", ge=0.0, le=10.0)
    detection_probability: float = Rate(0.02, "daily probability the platform detects an active fraudster", "probability/day")
    demotion_days: int = F(30, "days a detected fraudster's ranking score is cut", "days", ge=0, le=3650)
    demotion_factor: float = Rate(0.3, "ranking-score multiplier while demoted")
    fine_days_gmv: float = F(3.0, "fine on detection, in days of the agent's recent (real) GMV", "days", ge=0.0, le=365.0)
    reform_probability: float = Rate(0.3, "probability a detected fraudster stops faking")
    trust_loss: float = Rate(0.1, "fall of personal trust in a detected anchor among its recent buyers and followers, as a share of trust")
    institutional_loss: float = Rate(0.03, "fall of institutional trust of recent buyers of a detected fraudster, as a share of trust")
    counterfeit_honesty: float = Rate(0.65, "honesty below which a supplier sells some fake goods", "score in [0,1]")
    counterfeit_rate: float = Rate(0.03, "probability an order from a supplier with honesty below counterfeit_honesty is a fake good", "probability")


class Complaints(Section):
    """Which experiences turn into complaints, by cause."""

    not_as_described: float = Rate(0.55, "probability a return for mismatch (advertised above true quality) becomes a complaint", "probability")
    fake_orders: float = Rate(0.28, "probability a recent buyer or follower of a detected fraudster complains about faked data", "probability")
    fake_goods: float = Rate(0.6, "probability a buyer who received a fake good complains", "probability")
    other_return: float = Rate(0.045, "probability an ordinary return becomes a complaint (other causes)", "probability")
    other_spoiled: float = Rate(0.15, "probability a spoiled delivery becomes a complaint (other causes)", "probability")


class WordOfMouth(Section):
    """Experiences passed to social ties (a sparse random graph)."""

    enabled: bool = F(True, "consumers pass experiences to their ties", "switch")
    ties: int = F(6, "social ties per consumer (fixed width, drawn at random)", "consumers", ge=0, le=64)
    share_good: float = Rate(0.1, "probability a good experience is passed to each tie", "probability")
    share_bad: float = Rate(0.15, "probability a bad experience (mismatch, fake good, fraud discovery) is passed to each tie", "probability")
    weight: float = Rate(0.2, "effect of a heard experience on trust, relative to one's own")


class EngagementParams(Section):
    """Engagement of followers with the anchors they follow (sim/market/engagement.py):
    watching and interaction in the room raise it, it decays without; fan-group
    members are followers above a threshold; engagement raises conversion and
    return visits."""

    enabled: bool = F(True, "followers' engagement with the anchors they follow (interaction, fan groups) raises conversion and return visits", "switch")
    watch_gain: float = Rate(0.08, "rise of engagement when a follower watches the anchor's room, as a share of the distance to 1")
    interaction_probability: float = Rate(0.3, "probability a watching follower interacts (comments, likes, questions answered) in the room of an anchor of interaction skill 1", "probability")
    interaction_gain: float = Rate(0.15, "further rise of engagement when the follower interacts, as a share of the distance to 1")
    interaction_skill_sigma: float = F(0.5, "log-normal sigma of anchors' interaction skill (mean 1; multiplies the interaction probability)", "log-units", ge=0.0, le=3.0)
    decay: float = Rate(0.03, "daily fall of engagement, as a share of engagement (every follow slot, every day)", "fraction/day")
    fan_threshold: float = Rate(0.5, "engagement at or above which a follower is a member of the anchor's fan group", "score in [0,1]")
    conversion_lift: float = F(0.3, "coefficient on engagement (0 to 1) in the purchase logit of a follower in the anchor's room", "logit", ge=0.0, le=10.0)
    fan_conversion_lift: float = F(0.15, "extra logit of buying for a fan-group member in the anchor's room", "logit", ge=0.0, le=10.0)
    return_lift: float = Rate(0.3, "share of the gap between consumers.watch_followed and 1 that full engagement closes (the follower's probability of watching the anchor when live)")


class ReviewParams(Section):
    """Reviews and videos posted after a kept purchase (sim/market/reviews.py): they bring
    the reviewer's ties and consumers interested in the category into the room."""

    enabled: bool = F(True, "buyers post reviews or videos after a kept purchase that bring new viewers to the room", "switch")
    post_probability: float = Rate(0.05, "probability a buyer posts a review or video when a kept order is delivered", "probability")
    lifetime_days: int = F(7, "days a review brings viewers after it is posted", "days", ge=1, le=365)
    tie_view_probability: float = Rate(0.05, "daily probability that each of the reviewer's social ties (word_of_mouth.ties) sees the review", "probability/day")
    feed_views: float = F(0.5, "consumers a review is shown to in the feed each day, drawn by their interest in the product's category (those active today may enter the room)", "consumers/review/day", ge=0.0, le=1000.0)
    click_through: float = Rate(0.3, "probability that an active consumer who sees a review enters the room while it is live", "probability")


class FeedbackParams(Section):
    """Product feedback from buyers (sim/market/feedback.py): it raises a supplier's true
    quality over time, faster for suppliers that listen."""

    enabled: bool = F(True, "buyers' feedback on kept and returned orders improves suppliers' true quality", "switch")
    feedback_probability: float = Rate(0.2, "probability a buyer gives feedback when a kept order is delivered", "probability")
    return_feedback_probability: float = Rate(0.8, "probability a buyer gives feedback when returning an order", "probability")
    listening_mean: float = F(0.5, "mean listening of suppliers (beta distributed in (0, 1); scales how fast feedback improves quality)", "score in [0,1]", gt=0.0, lt=1.0)
    listening_concentration: float = F(4.0, "beta concentration (a+b) of listening", "", gt=0.0, le=1000.0)
    improvement_rate: float = Rate(0.0005, "daily rise of true quality of a fully listening supplier with plenty of feedback, as a share of the distance to its ceiling", "fraction/day")
    half_saturation: float = F(5.0, "feedback items in a day at which the day's improvement is half its largest", "items/day", gt=0.0, le=1e6)
    ceiling: float = Rate(1.0, "highest true quality feedback can reach", "score in [0,1]")
class ShelfLinks(Section):
    """Live and shelf feed each other (MODEL.md 4.8): purchase memory, repurchase
    through the shelf, "watch live" from product pages, repurchase coupons."""

    enabled: bool = F(True, "live and shelf feed each other: purchase memory, repurchase on the shelf, 'watch live' from product pages, coupons (off = independent channels, as in the first round)", "switch")
    memory_slots: int = F(2, "purchases each consumer remembers (supplier and category of the last ones, most recent first)", "purchases", ge=1, le=8)
    repurchase_share: float = Rate(0.25, "share of the shelf page views of a consumer who remembers a supplier that go to the suppliers they remember")
    watch_live_probability: float = Rate(0.05, "probability that a product page of a product sold live right now (its store's or a partner anchor's broadcast) leads the consumer into the room", "probability")
    coupon_discount: float = Rate(0.05, "repurchase coupon: a purchase earns a coupon worth this share of the price for the next shelf purchase from the same supplier (0 = no coupons)")
    coupon_days: int = F(30, "days a repurchase coupon stays valid after the purchase that earned it", "days", ge=1, le=3650)
    coupon_funder: Literal["supplier", "platform"] = F("supplier", "who pays the coupons: the supplier (flow coupon_supplier) or the platform (flow coupon_platform)", "")


class Search(Section):
    """Searches that list live rooms (MODEL.md 4.8): an entry source with Arrival.SEARCH."""

    enabled: bool = F(True, "active consumers search for a category and enter live rooms from the results (off = no search)", "switch")
    search_probability: float = Rate(0.04, "daily probability an active consumer searches for a category (drawn from their category preferences)", "probability/day")
    performance_exponent: float = F(0.5, "exponent on a room's recent performance in the result ranking (0 = relevance only)", "", ge=0.0, le=5.0)
    click_through: float = Rate(0.5, "probability a searcher enters the room of the result they open", "probability")
class Recommendation(Section):
    """The platform's recommender (MODEL.md 4.1, 4.8; sim/market/recommend.py): public
    impressions (and short videos) matched to consumers by predicted interest, a
    ranking that blends past volume with the predicted value of the match, and a
    real-time re-weighting towards rooms that convert."""

    enabled: bool = F(True, "the recommender matches goods to people (off: impressions go to consumers at random, the ranking is by past volume only)", "switch")
    prediction_quality: float = Rate(0.8, "how well the platform predicts a consumer's interest: the weight of the data-based estimate against noise (1 = the estimate exactly, 0 = pure noise)", "fraction")
    personalisation: float = Rate(0.9, "weight of prediction against exploration: the share of impressions matched by predicted interest (the rest are dealt at random), and the weight of the predicted value of a broadcast's matches against its past volume in the ranking", "fraction")
    outside_option: float = F(2.0, "value of the feed's other (not live) content against the expected total predicted value of the day's live rooms: a room's personalised traffic is its predicted value / (this x the expected total + today's total), the rest is explored", "", ge=0.0, le=1000.0)
    realtime_weight: float = F(0.5, "elasticity of the real-time re-weighting: a room's score is multiplied by (its recent conversion / the platform's) to this power (0 = off)", "", ge=0.0, le=5.0)
    realtime_half_life: float = F(3.0, "half-life of the conversion memory behind the real-time re-weighting", "days", gt=0.0, le=365.0)
    realtime_prior_viewers: float = F(50.0, "pseudo-viewers at the platform's conversion that shrink a small room's observed conversion", "viewers", ge=0.0, le=1e6)
    weight_preferences: float = F(2.0, "weight of the consumer's revealed preferences (browsing) in the platform's estimate of interest", "weight", ge=0.0, le=100.0)
    weight_history: float = F(1.0, "weight of the consumer's view and purchase history", "weight", ge=0.0, le=100.0)
    weight_follows: float = F(0.5, "weight of the category mix of the anchors the consumer follows", "weight", ge=0.0, le=100.0)
    weight_social: float = F(0.5, "weight of the social ties' view and purchase history (sim/trust.py's graph)", "weight", ge=0.0, le=100.0)
    history_half_life: float = F(30.0, "half-life of the view and purchase history", "days", gt=0.0, le=3650.0)
    purchase_weight: float = F(5.0, "weight of a purchase in the history, in room entries", "entries", ge=0.0, le=1000.0)
    profile_refresh_days: int = F(28, "days between refreshes of the slow part of the estimate (followed anchors' category mix, ties' history) and of the prediction's error", "days", ge=1, le=3650)


class Content(Section):
    """Content seeding (MODEL.md 4.8; sim/market/content.py): anchors and store rooms
    make short videos at a cost, chosen by their expected return; the recommender
    shows them; a video raises interest in its category, brings viewers into the
    live room and followers without a purchase."""

    enabled: bool = F(True, "anchors and stores make short-video content that seeds their live rooms", "switch")
    videos_per_active: float = F(2.0, "short videos an active consumer watches per day (the feed's video slots)", "videos", ge=0.0, le=200.0)
    live_card_share: float = Rate(0.3, "share of the public feed's live-room cards kept when content is on (videos take the others' place)", "fraction")
    click_to_live: float = Rate(0.6, "probability a video view of a room that is live enters the room", "probability")
    video_trust: float = Rate(1.0, "trust of a viewer who enters a room from its video in the room's anchor, as a share of institutional trust (a stranger from the public feed: consumers.stranger_trust_factor)")
    follow_from_content: float = Rate(0.002, "probability a viewer of an anchor's video who does not follow the anchor starts following it", "probability")
    interest_lift: float = Rate(0.02, "rise of the viewer's interest in the video's category per view, as a share of the distance to 1 (then the preferences are renormalised)", "fraction")
    interest_relax: float = Rate(0.02, "daily relaxation of every consumer's category preferences towards their initial ones", "fraction/day")
    cost_per_video: float = F(20.0, "cost of making one short video (paid by the room to the outside account content_costs)", "yuan", ge=0.0, le=1e7)
    reach_elasticity: float = F(0.5, "elasticity of a room's video reach to its effort (reach share grows as effort^this)", "", gt=0.0, lt=1.0)
    initial_effort: float = F(2.0, "videos per live day each room makes before it has any return to judge by", "videos/day", ge=0.0, le=1000.0)
    min_effort: float = F(0.5, "fewest videos per live day a room makes (keeps its return observable)", "videos/day", ge=0.0, le=1000.0)
    max_effort: float = F(50.0, "most videos per live day a room makes", "videos/day", gt=0.0, le=10000.0)
    effort_step: float = Rate(0.2, "share of the gap to the optimal effort closed each live day", "fraction")
    return_half_life: float = F(7.0, "half-life of a room's memory of the return its content brought", "days", gt=0.0, le=365.0)


class PlatformAdaptation(Section):
    """The adaptive platform (MODEL.md 4.9, last bullet; sim/market/platform_policy.py):
    every ``interval_days`` the platform holds a probe of its levers, and after each
    pair of probes it moves the levers within their bounds towards its objective
    (sign of a simultaneous-perturbation finite difference). Off by default: the
    levers stay as the ``traffic`` section and the categories set them."""

    enabled: bool = F(False, "the platform adapts its commission and traffic levers to its objective (off = the levers stay as set, changed only by events)", "switch")
    objective: Literal["gmv", "profit"] = F("gmv", "what the platform climbs: 'gmv' (GMV of the orders placed per day) or 'profit' (its income per day: the commission of the orders placed plus every other net flow into its ledger account, e.g. fines and advertising income, less coupons it pays)", "")
    interval_days: int = F(7, "days each probe of the levers is held; a move of the levers takes two probes", "days", ge=1, le=365)
    tolerance: float = Rate(0.01, "relative difference of the two probes' objectives below which the levers do not move (|J+ - J-| <= tolerance x their mean)", "fraction")
    commission_step: float = F(0.1, "step of the commission multiplier (every category's commission rate is its scenario rate times the multiplier, 1 at the start); also the probe's size; 0 holds the commission fixed", "multiplier", ge=0.0, le=1.0)
    commission_min: float = F(0.5, "lowest commission multiplier", "multiplier", ge=0.0, le=10.0)
    commission_max: float = F(2.0, "highest commission multiplier (no category's rate may then exceed 1)", "multiplier", ge=0.0, le=10.0)
    reserve_step: float = Rate(0.05, "step of the long-tail reserve (traffic.long_tail_reserve), in shares of public traffic; also the probe's size; 0 holds it fixed", "fraction")
    reserve_min: float = Rate(0.0, "lowest long-tail reserve", "fraction")
    reserve_max: float = Rate(0.5, "highest long-tail reserve (with traffic.exploration_share at most 1)", "fraction")
    cap_step: float = F(0.5, "relative step of the per-broadcast traffic cap (traffic.anchor_cap is multiplied or divided by 1 + this); also the probe's size; 0 holds it fixed", "fraction", ge=0.0, le=10.0)
    cap_min: float = F(0.005, "lowest per-broadcast traffic cap", "fraction", gt=0.0, le=1.0)
    cap_max: float = F(1.0, "highest per-broadcast traffic cap (1 = no cap)", "fraction", gt=0.0, le=1.0)
    exponent_step: float = F(0.1, "step of the ranking's preferential exponent (traffic.preferential_exponent, the Matthew effect); also the probe's size; 0 holds it fixed", "", ge=0.0, le=5.0)
    exponent_min: float = F(0.0, "lowest preferential exponent", "", ge=0.0, le=5.0)
    exponent_max: float = F(1.0, "highest preferential exponent", "", ge=0.0, le=5.0)
class EntryExit(Section):
    """Entry and exit (MODEL.md 4.9; sim/market/entry.py): anchors and suppliers
    leave after sustained losses (distinct from default), and new ones enter, into
    reserve rows of the tables, at a rate that rises with what entrants expect to
    earn (what small incumbents earned over the last review period)."""

    enabled: bool = F(False, "anchors and suppliers exit after sustained losses and new ones enter (off: the population is fixed, only defaulters leave)", "switch")
    reserve_suppliers: float = F(0.5, "capacity for entrant suppliers: reserve rows in the supplier table, as a share of the initial suppliers (rows stay inactive until an entrant takes one)", "share of initial", ge=0.0, le=5.0)
    reserve_anchors: float = F(0.5, "capacity for entrant anchors: reserve rows in the anchor table, as a share of the initial anchors", "share of initial", ge=0.0, le=5.0)
    review_days: int = F(30, "days between reviews: every review, each agent's profit over the period is judged and entrants arrive", "days", ge=1, le=365)
    exit_reviews: int = F(3, "consecutive reviews with profit below the reservation income after which an agent exits", "reviews", ge=1, le=100)
    grace_reviews: int = F(2, "reviews after its entry before an entrant can be judged (the initial population: none)", "reviews", ge=0, le=100)
    supplier_reservation_income: float = F(0.0, "a supplier's outside option: it counts a review period as a loss when its accrual profit per day is below this", "yuan/day", ge=-1e7, le=1e7)
    anchor_reservation_income: float = F(0.0, "an anchor's outside option (what its time earns elsewhere): a review period with income net of costs per day below this counts as a loss", "yuan/day", ge=-1e7, le=1e7)
    supplier_entry_rate: float = F(0.2, "entrant suppliers per year, as a share of the initial suppliers, when entrants expect to earn exactly the reservation income (twice this at most, when they expect much more; none when much less)", "share/year", ge=0.0, le=10.0)
    anchor_entry_rate: float = F(0.3, "entrant anchors per year, as a share of the initial anchors, when entrants expect exactly the reservation income", "share/year", ge=0.0, le=10.0)
    supplier_profit_scale: float = F(50.0, "how strongly supplier entry reacts to expected profit: the logistic entry curve's scale (expected profit per day above the reservation income by this raises entry to 1.46x the base rate)", "yuan/day", gt=0.0, le=1e7)
    anchor_profit_scale: float = F(20.0, "the same scale for anchor entry", "yuan/day", gt=0.0, le=1e7)


# ----------------------------------------------------------------------- events


class TrafficPolicyEvent(Section):
    """From `day` on, replace some traffic-policy levers (also models an algorithm change)."""

    kind: Literal["traffic_policy"] = F("traffic_policy", "event kind", "")
    day: int = F(0, "day the change takes effect", "day", ge=0, le=3650)
    preferential_exponent: float | None = F(None, "new preferential exponent", "", ge=0.0, le=5.0)
    anchor_cap: float | None = F(None, "new per-anchor traffic cap", "fraction", gt=0.0, le=1.0)
    long_tail_reserve: float | None = F(None, "new long-tail reserve share", "fraction", ge=0.0, le=1.0)
    new_entrant_boost: float | None = F(None, "new new-entrant boost", "multiplier", ge=1.0, le=100.0)
    exploration_share: float | None = F(None, "new exploration share", "fraction", ge=0.0, le=1.0)


class DemandSpikeEvent(Section):
    """Festival days: consumer activity is multiplied for a number of days."""

    kind: Literal["demand_spike"] = F("demand_spike", "event kind", "")
    day: int = F(0, "first day of the spike", "day", ge=0, le=3650)
    duration: int = F(1, "days the spike lasts", "days", ge=1, le=3650)
    activity_multiplier: float = F(2.0, "multiplier on daily activity probability (capped at 1)", "multiplier", gt=0.0, le=100.0)


class PersonaCollapseEvent(Section):
    """A scandal: the anchor of a given GMV rank loses its followers' trust; the
    platform's credibility suffers a spill-over (MODEL.md 4.4)."""

    kind: Literal["persona_collapse"] = F("persona_collapse", "event kind", "")
    day: int = F(0, "day the scandal breaks", "day", ge=0, le=3650)
    anchor_rank: int = F(1, "the anchor hit, by GMV so far (1 = the top anchor)", "rank", ge=1, le=1_000_000)
    trust_drop: float = Rate(0.8, "fall of followers' personal trust in the anchor, as a share of trust")
    unfollow_share: float = Rate(0.5, "share of the anchor's followers who unfollow at once")
    spill_over: float = Rate(0.3, "fall of institutional trust of the anchor's followers, as a share of trust, before guarantees")
    public_spill_over: float = Rate(0.05, "fall of institutional trust of every other consumer (news coverage), as a share of trust, before guarantees")
    suspension_days: int = F(30, "days the anchor does not broadcast", "days", ge=0, le=3650)
    scare_half_life: float = F(30.0, "half-life of the spill-over: the news fades and the trust it took comes back (0 = it never does); losses through experience and word of mouth stay", "days", ge=0.0, le=3650.0)


class CreditSqueezeEvent(Section):
    """From `day` on, the lender cuts the credit multiple and/or raises the rate;
    with finite lender capital, it may also lose a share of its cash that day."""

    kind: Literal["credit_squeeze"] = F("credit_squeeze", "event kind", "")
    day: int = F(0, "day the squeeze starts", "day", ge=0, le=3650)
    credit_multiple: float | None = F(None, "new credit multiple", "multiple", ge=0.0, le=24.0)
    interest_rate: float | None = F(None, "new annual interest rate", "1/year", ge=0.0, le=2.0)
    capital_lost: float | None = F(None, "share of the lender's cash lost that day (losses outside the model); needs a finite finance.lender_capital", "fraction", ge=0.0, le=1.0)


class ReturnWaveEvent(Section):
    """A wave of returns: a share of the kept orders still inside their return window are returned."""

    kind: Literal["return_wave"] = F("return_wave", "event kind", "")
    day: int = F(0, "day of the wave", "day", ge=0, le=3650)
    share: float = Rate(0.3, "share of kept orders still inside the return window that are returned")
    category: str | None = F(None, "only orders of this category (default: all)", "")


class HeadDefaultEvent(Section):
    """A head merchant or anchor (by GMV rank so far) defaults and exits."""

    kind: Literal["head_default"] = F("head_default", "event kind", "")
    day: int = F(0, "day of the default", "day", ge=0, le=3650)
    target: Literal["supplier", "anchor"] = F("supplier", "who defaults: a supplier (merchant) or an anchor", "")
    rank: int = F(1, "rank by GMV so far (1 = the largest)", "rank", ge=1, le=1_000_000)
    cash_lost: float = Rate(1.0, "share of the defaulter's cash that is gone (seized, frozen or absconded) before creditors are paid")
    return_share: float = Rate(0.0, "share of its kept orders still inside the return window that consumers return")


class PresaleEvent(Section):
    """A pre-sale festival (e.g. the Double 11 pre-sale): for `duration` days from
    `day`, a share `share` of live-room orders are pre-sale orders."""

    kind: Literal["presale"] = F("presale", "event kind", "")
    day: int = F(0, "first day of the pre-sale", "day", ge=0, le=3650)
    duration: int = F(10, "days the pre-sale lasts", "days", ge=1, le=3650)
    share: float = Rate(0.5, "share of live-room orders that are pre-sale orders on those days (replaces finance.presale_share)")


class AlgorithmChangeEvent(Section):
    """A sudden change of the ranking algorithm's preferential exponent (a traffic_policy shorthand)."""

    kind: Literal["algorithm_change"] = F("algorithm_change", "event kind", "")
    day: int = F(0, "day of the change", "day", ge=0, le=3650)
    preferential_exponent: float = F(1.0, "new preferential exponent", "", ge=0.0, le=5.0)


Event = Annotated[Union[TrafficPolicyEvent, DemandSpikeEvent, CreditSqueezeEvent, ReturnWaveEvent,
                        HeadDefaultEvent, AlgorithmChangeEvent, PersonaCollapseEvent, PresaleEvent],
                  Field(discriminator="kind")]
FINANCE_EVENTS = ("credit_squeeze", "return_wave", "head_default", "presale")


# --------------------------------------------------------------------- scenario


class Scenario(Section):
    """A complete, validated parameter set for one run."""

    name: str = F("default", "a label for the scenario", "")
    population: Population = Field(default_factory=Population)
    time: Time = Field(default_factory=Time)
    categories: dict[str, Category] = Field(default_factory=_default_categories, description="product categories by name", min_length=1)
    platform: Platform = Field(default_factory=Platform)
    traffic: Traffic = Field(default_factory=Traffic)
    anchors: Anchors = Field(default_factory=Anchors)
    suppliers: Suppliers = Field(default_factory=Suppliers)
    consumers: Consumers = Field(default_factory=Consumers)
    purchase: Purchase = Field(default_factory=Purchase)
    returns: Returns = Field(default_factory=Returns)
    trust: TrustParams = Field(default_factory=TrustParams)
    adaptation: Adaptation = Field(default_factory=Adaptation)
    events: list[Event] = Field(default_factory=list, description="scheduled events (shocks, policy changes)")
    coalition: Coalition = Field(default_factory=Coalition)
    finance: FinanceParams = Field(default_factory=FinanceParams)
    guarantees: Guarantees = Field(default_factory=Guarantees)
    fraud: Fraud = Field(default_factory=Fraud)
    complaints: Complaints = Field(default_factory=Complaints)
    word_of_mouth: WordOfMouth = Field(default_factory=WordOfMouth)
    engagement: EngagementParams = Field(default_factory=EngagementParams)
    reviews: ReviewParams = Field(default_factory=ReviewParams)
    feedback: FeedbackParams = Field(default_factory=FeedbackParams)
    shelf_links: ShelfLinks = Field(default_factory=ShelfLinks)
    search: Search = Field(default_factory=Search)
    recommendation: Recommendation = Field(default_factory=Recommendation)
    content: Content = Field(default_factory=Content)
    platform_adaptation: PlatformAdaptation = Field(default_factory=PlatformAdaptation)
    entry: EntryExit = Field(default_factory=EntryExit)

    @property
    def scale_factor(self) -> float:
        """consumers / reference_consumers: the size of the economy against the
        reference; the lender's capital is multiplied by it (docs/model.md,
        "Population scale"). Exactly 1.0 at the reference size."""
        return self.population.consumers / self.population.reference_consumers

    @property
    def supplier_scale(self) -> float:
        """Consumers per supplier against the reference's: (consumers /
        reference_consumers) x (reference_suppliers / suppliers), what a supplier's
        capacity (hence its initial stock and cash) is multiplied by. Computed in
        integers, so it is exactly 1.0 whenever the two ratios cancel (the default,
        or a world that scales its suppliers with its consumers)."""
        p = self.population
        return (p.consumers * p.reference_suppliers) / (p.reference_consumers * p.suppliers)

    @model_validator(mode="after")
    def _cross_checks(self) -> "Scenario":
        problems = []
        if self.anchors.head_share + self.anchors.waist_share > 1.0:
            problems.append("anchors.head_share + anchors.waist_share must be at most 1")
        if self.anchors.follows_per_consumer > self.anchors.max_follows:
            problems.append("anchors.follows_per_consumer must be at most anchors.max_follows")
        for name in self.categories:
            if not name or not name.replace("_", "").isalnum():
                problems.append(f"categories.{name!r}: a category name must be letters, digits or '_'")
        # exploration and the long-tail reserve together cannot exceed all public traffic,
        # neither at the start nor after any policy event
        pol = {"exploration_share": self.traffic.exploration_share, "long_tail_reserve": self.traffic.long_tail_reserve}
        if pol["exploration_share"] + pol["long_tail_reserve"] > 1.0:
            problems.append("traffic.exploration_share + traffic.long_tail_reserve must be at most 1")
        for i, ev in sorted(enumerate(self.events), key=lambda e: e[1].day):
            if ev.kind == "traffic_policy":
                for key in pol:
                    if getattr(ev, key) is not None:
                        pol[key] = getattr(ev, key)
                if pol["exploration_share"] + pol["long_tail_reserve"] > 1.0:
                    problems.append(f"events.{i}: exploration_share + long_tail_reserve in force from day {ev.day} "
                                    "would exceed 1")
        for i, ev in enumerate(self.events):
            if ev.day >= self.time.days:
                problems.append(f"events.{i}.day: {ev.day} is beyond the horizon (allowed: 0 to time.days - 1 = {self.time.days - 1})")
            if ev.kind == "persona_collapse" and ev.anchor_rank > self.population.anchors:
                problems.append(f"events.{i}.anchor_rank: {ev.anchor_rank} is beyond the anchor population "
                                f"(allowed: 1 to population.anchors = {self.population.anchors})")
        if self.content.min_effort > self.content.max_effort:
            problems.append(f"content.min_effort ({self.content.min_effort}) must be at most content.max_effort "
                            f"({self.content.max_effort})")
        problems += _finance_checks(self)
        problems += _platform_adaptation_checks(self)
        if problems:
            raise ValueError("; ".join(problems))
        return self

    # ------------------------------------------------------------ conveniences

    def with_overrides(self, overrides: dict[str, Any]) -> "Scenario":
        """A new validated scenario with dotted-path overrides applied.

        ``{"traffic.anchor_cap": 0.05, "categories.apparel.base_return_rate": 0.3}``.
        Unknown paths and invalid values raise :class:`ScenarioError`.
        """
        data = self.model_dump(mode="python")
        problems = []
        for path, value in overrides.items():
            try:
                _set_path(data, path, value)
            except KeyError as exc:
                problems.append(f"{path}: {exc.args[0]}")
        try:
            scenario = scenario_from_dict(data)
        except ScenarioError as exc:
            problems += exc.problems
        if problems:
            raise ScenarioError(problems)
        return scenario

    def override_problems(self, many: "Iterable[dict[str, Any]]") -> "Iterator[list[str]]":
        """For each dict of overrides, the problems :meth:`with_overrides`
        would raise (an empty list when valid), without building copies of
        the scenario: about three times faster, for checking every point of
        a large design."""
        data = self.model_dump(mode="python")
        for overrides in many:
            saved, problems = [], []
            for path, value in overrides.items():
                try:
                    saved.append((path, _get_path(data, path)))
                    _set_path(data, path, value)
                except KeyError as exc:
                    problems.append(f"{path}: {exc.args[0]}")
            if not problems:
                try:
                    Scenario.model_validate(data)
                except ValidationError as exc:
                    problems += validation_problems(exc)
            for path, old in reversed(saved):
                _set_path(data, path, old)
            yield problems

    def to_toml(self) -> str:
        return scenario_to_toml(self)

    def get(self, path: str) -> Any:
        """The value at a dotted path, e.g. ``scenario.get('traffic.anchor_cap')``."""
        node: Any = self
        for part in path.split("."):
            if isinstance(node, BaseModel):
                if part not in type(node).model_fields:
                    raise ScenarioError(f"{path}: unknown field {part!r}")
                node = getattr(node, part)
            elif isinstance(node, dict):
                if part not in node:
                    raise ScenarioError(f"{path}: unknown key {part!r}")
                node = node[part]
            elif isinstance(node, list):
                try:
                    node = node[int(part)]
                except (ValueError, IndexError):
                    raise ScenarioError(f"{path}: no list item {part!r}") from None
            else:
                raise ScenarioError(f"{path}: {part!r} is below a plain value")
        return node


def _platform_adaptation_checks(sc: "Scenario") -> list[str]:
    """Bounds of the adaptive platform's levers: each min at most its max, and the
    levers in force at the start within them (only when the platform adapts)."""
    pa, out = sc.platform_adaptation, []
    if not pa.enabled:
        return out
    start = {"commission": 1.0, "reserve": sc.traffic.long_tail_reserve, "cap": sc.traffic.anchor_cap,
             "exponent": sc.traffic.preferential_exponent}
    where = {"commission": "the multiplier 1 of the scenario's commission rates",
             "reserve": "traffic.long_tail_reserve", "cap": "traffic.anchor_cap",
             "exponent": "traffic.preferential_exponent"}
    for lever, x0 in start.items():
        lo, hi = getattr(pa, f"{lever}_min"), getattr(pa, f"{lever}_max")
        if lo > hi:
            out.append(f"platform_adaptation.{lever}_min ({lo}) must be at most platform_adaptation.{lever}_max ({hi})")
        elif not lo <= x0 <= hi:
            out.append(f"platform_adaptation.{lever}_min/{lever}_max: the range {lo} to {hi} must contain the "
                       f"starting value, {where[lever]} = {x0}")
    if pa.reserve_max + sc.traffic.exploration_share > 1.0:
        out.append(f"platform_adaptation.reserve_max ({pa.reserve_max}) + traffic.exploration_share "
                   f"({sc.traffic.exploration_share}) must be at most 1 (allowed: reserve_max up to "
                   f"{1.0 - sc.traffic.exploration_share:g})")
    top = max((c.commission_rate for c in sc.categories.values()), default=0.0)
    if pa.commission_max * top > 1.0:
        out.append(f"platform_adaptation.commission_max ({pa.commission_max}) x the highest category commission "
                   f"rate ({top}) exceeds 1 (allowed: commission_max up to {1.0 / top:g})")
    return out


def _finance_checks(sc: "Scenario") -> list[str]:
    """Credit settings that cannot work, and finance events that do not fit the population."""
    fp, out = sc.finance, []
    if fp.enabled and fp.order_loans and fp.credit_multiple == 0:
        out.append("finance.credit_multiple: 0 gives no credit while finance.order_loans is true "
                   "(allowed: > 0, or set finance.order_loans = false)")
    if fp.enabled and fp.lender_capital == 0:
        out.append("finance.lender_capital: 0 leaves the lender nothing to lend or to buy receivables with "
                   "(allowed: > 0 yuan, or leave it unset for unlimited outside funding)")
    if fp.loan_term_days is not None and fp.loan_term_days > sc.time.days:
        out.append(f"finance.loan_term_days: {fp.loan_term_days} days is longer than the horizon time.days = "
                   f"{sc.time.days} (allowed: 1 to {sc.time.days}); no loan could be repaid within the run")
    if fp.presale_share > 0 and not fp.enabled:
        out.append("finance.presale_share: pre-sale orders need the credit sub-model (set finance.enabled = true, "
                   "or finance.presale_share = 0)")
    presale = fp.presale_share > 0 or any(ev.kind == "presale" for ev in sc.events)
    if presale and fp.presale_lead_days >= sc.time.days:
        out.append(f"finance.presale_lead_days: {fp.presale_lead_days} days is not shorter than the horizon "
                   f"time.days = {sc.time.days} (allowed: 1 to {sc.time.days - 1}); no pre-sale order would ship "
                   "within the run")
    for i, ev in enumerate(sc.events):
        if ev.kind in FINANCE_EVENTS and not fp.enabled:
            out.append(f"events.{i}.kind: {ev.kind!r} needs the credit sub-model (set finance.enabled = true)")
        if ev.kind == "credit_squeeze" and ev.credit_multiple == 0 and fp.order_loans:
            out.append(f"events.{i}.credit_multiple: 0 gives no credit while finance.order_loans is true (allowed: > 0)")
        if ev.kind == "credit_squeeze" and ev.capital_lost is not None and fp.lender_capital is None:
            out.append(f"events.{i}.capital_lost: needs a finite finance.lender_capital (with unlimited outside "
                       "funding a loss of the lender's cash changes nothing; set finance.lender_capital or drop "
                       "capital_lost)")
        if ev.kind == "head_default":
            n = sc.population.suppliers if ev.target == "supplier" else sc.population.anchors
            if ev.rank > n:
                out.append(f"events.{i}.rank: {ev.rank} is beyond the {n} {ev.target}s "
                           f"(allowed: 1 to population.{ev.target}s = {n})")
        if ev.kind == "return_wave" and ev.category is not None and ev.category not in sc.categories:
            out.append(f"events.{i}.category: unknown category {ev.category!r} "
                       f"(allowed: {', '.join(sc.categories)})")
    return out


def parse_value(text: str) -> Any:
    """A ``--set PATH=VALUE`` value: TOML syntax (``2``, ``0.5``, ``true``,
    ``[1, 2]``, ``"x"``), or else the text itself as a string. Nothing is
    converted afterwards: ``true`` stays a boolean and is refused by a
    number field, ``yes`` stays text and is refused by a switch."""
    text = text.strip()
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def parse_sets(items: list[str] | None, *, example: str = "traffic.anchor_cap=0.05") -> list[tuple[str, Any]]:
    """The one parser of ``--set PATH=VALUE`` options, for every command:
    ``["a.b=1", ...]`` -> ``[("a.b", 1), ...]`` in the order given (values by
    :func:`parse_value`). Raises :class:`ScenarioError` naming each malformed
    item."""
    out, problems = [], []
    for item in items or []:
        path, sep, raw = item.partition("=")
        path = path.strip()
        if not sep or not path or not raw.strip():
            problems.append(f"--set {item!r}: expected PATH=VALUE, e.g. --set {example}")
            continue
        if any(not part for part in path.split(".")) or any(c.isspace() for c in path):
            problems.append(f"--set {item!r}: {path!r} is not a dotted field path, e.g. --set {example}")
            continue
        out.append((path, parse_value(raw)))
    if problems:
        raise ScenarioError(problems)
    return out


def parse_overrides(items: list[str] | None) -> dict[str, Any]:
    """``--set`` options as a ``{path: value}`` dict for :func:`load_scenario`
    (a path given twice keeps the last value)."""
    return dict(parse_sets(items))


def _get_path(data: dict, path: str) -> Any:
    node: Any = data
    for part in path.split("."):
        if isinstance(node, list):
            try:
                node = node[int(part)]
            except (ValueError, IndexError):
                raise KeyError(f"no list item {part!r}") from None
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            raise KeyError(f"unknown field {part!r}")
    return node


def _set_path(data: dict, path: str, value: Any) -> None:
    parts = path.split(".")
    node: Any = data
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if isinstance(node, list):
            try:
                idx = int(part)
                node[idx]
            except (ValueError, IndexError):
                raise KeyError(f"no list item {part!r}") from None
            if last:
                node[idx] = value
            else:
                node = node[idx]
            continue
        if not isinstance(node, dict) or part not in node:
            where = ".".join(parts[:i]) or "the scenario"
            raise KeyError(f"unknown field {part!r} in {where}")
        if last:
            node[part] = value
        else:
            node = node[part]


# ------------------------------------------------------------------ TOML in/out


_EVENT_KINDS = {"traffic_policy", "demand_spike", "credit_squeeze", "return_wave", "head_default", "algorithm_change",
                "persona_collapse", "presale"}


def _format_loc(loc: tuple) -> str:
    out = []
    for part in loc:
        if isinstance(part, str) and part in _EVENT_KINDS and out and out[-1].isdigit():
            continue  # the discriminator tag pydantic adds inside a union
        out.append(str(part))
    return ".".join(out) or "scenario"


def _allowed(err: dict) -> str:
    ctx = err.get("ctx") or {}
    bounds = []
    for key, word in (("ge", ">="), ("gt", ">"), ("le", "<="), ("lt", "<")):
        if key in ctx:
            bounds.append(f"{word} {ctx[key]}")
    if bounds:
        return f" (allowed: {' and '.join(bounds)})"
    return ""


_TYPE_WORDS = {"int_type": "an integer", "float_type": "a number", "bool_type": "true or false",
               "string_type": "text in quotes", "list_type": "a list", "dict_type": "a table",
               "model_type": "a table"}


def type_name(value: Any) -> str:
    """How a value reads in TOML terms, for messages."""
    return {bool: "a boolean", int: "an integer", float: "a decimal number", str: "text", list: "a list",
            dict: "a table"}.get(type(value), type(value).__name__)


def validation_problems(exc: ValidationError) -> list[str]:
    """One readable line per pydantic error: field path, what is wrong, what is allowed."""
    lines = []
    for err in exc.errors():
        loc = _format_loc(err["loc"])
        typ = err["type"]
        if typ == "extra_forbidden":
            msg = "unknown field (not part of the scenario; see 'livesim scenario show')"
        elif typ in _TYPE_WORDS:
            given = err.get("input")
            shown = given if not isinstance(given, (dict, list)) else type_name(given)
            msg = (f"expected {_TYPE_WORDS[typ]}, got {shown!r} ({type_name(given)}; values are not converted "
                   "between booleans, numbers and text)")
        elif typ in ("finite_number",):
            msg = f"must be a finite number, got {err.get('input')!r}"
        else:
            msg = err["msg"]
            if "input" in err and typ not in ("missing",) and not isinstance(err["input"], (dict, list)):
                msg += f", got {err['input']!r}"
            msg += _allowed(err)
        lines.append(f"{loc}: {msg}")
    return lines


def scenario_from_dict(data: dict[str, Any], *, source: str | None = None) -> Scenario:
    """Validate a plain dict (as read from TOML) into a Scenario, or raise ScenarioError."""
    if not isinstance(data, dict):
        raise ScenarioError("a scenario must be a table of sections", source=source)
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(validation_problems(exc), source=source) from None


REPLACE_CATEGORIES = "replace_categories"


def merge_categories(data: dict[str, Any], *, source: str | None = None) -> dict[str, Any]:
    """A scenario table as written by a person: each ``[categories.X]`` table
    changes the fields it names of the default category X (a new name adds a
    category with the default fields); the default categories it does not
    name are kept. With ``replace_categories = true`` the table's categories
    are the whole set. Returns the table to validate."""
    if not isinstance(data, dict):
        return data
    data = dict(data)
    replace = data.pop(REPLACE_CATEGORIES, False)
    if not isinstance(replace, bool):
        raise ScenarioError(f"{REPLACE_CATEGORIES}: expected true or false, got {replace!r} ({type_name(replace)})",
                            source=source)
    cats = data.get("categories")
    if replace:
        if cats is None:
            raise ScenarioError(f"{REPLACE_CATEGORIES}: true, but the file has no [categories.NAME] tables",
                                source=source)
        return data
    if not isinstance(cats, dict):
        return data  # absent (the defaults) or not a table (refused by validation)
    defaults = {name: c.model_dump(mode="python") for name, c in _default_categories().items()}
    merged: dict[str, Any] = {}
    for name, fields in defaults.items():
        given = cats.get(name)
        merged[name] = {**fields, **given} if isinstance(given, dict) else (fields if given is None else given)
    for name, given in cats.items():
        if name not in merged:
            merged[name] = given
    data["categories"] = merged
    return data


def load_scenario(path: str | Path | None = None, overrides: dict[str, Any] | None = None) -> Scenario:
    """Read a scenario TOML file (or the default when ``path`` is None);
    ``[categories.X]`` tables change category X (see :func:`merge_categories`)."""
    if path is None:
        scenario = Scenario()
    else:
        data = read_toml(path, ScenarioError)
        scenario = scenario_from_dict(merge_categories(data, source=str(path)), source=str(path))
    if overrides:
        scenario = scenario.with_overrides(overrides)
    return scenario


def _clean(obj: Any) -> Any:
    """Drop None values (TOML has no null) recursively."""
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items() if v is not None}
    if isinstance(obj, list):
        return [_clean(v) for v in obj]
    return obj


def scenario_to_toml(scenario: Scenario, *, comments: bool = True) -> str:
    """The scenario as TOML; with ``comments``, each field is preceded by its
    description, unit, range and default, so the file documents itself."""
    data = _clean(scenario.model_dump(mode="python"))
    defaults = list(_default_categories())
    names = list(scenario.categories)
    if names[:len(defaults)] != defaults:  # read back, the defaults would be merged in: say so
        data = {REPLACE_CATEGORIES: True, **data}
    body = tomli_w.dumps(data)
    if not comments:
        return body
    return _annotate(body)


def field_docs() -> dict[str, dict[str, str]]:
    """Documentation of every field keyed by ``section.field`` (categories by
    ``categories.*.field``, events by ``events.KIND.field``)."""
    docs: dict[str, dict[str, str]] = {}

    def add(prefix: str, model: type[BaseModel]) -> None:
        for name, info in model.model_fields.items():
            extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
            bounds = []
            for meta in info.metadata:
                for attr, word in (("ge", ">="), ("gt", ">"), ("le", "<="), ("lt", "<")):
                    v = getattr(meta, attr, None)
                    if v is not None:
                        bounds.append(f"{word} {v}")
            docs[f"{prefix}{name}"] = {
                "description": info.description or "",
                "unit": str(extra.get("unit", "")),
                "range": " and ".join(bounds),
                "default": "" if info.default is None or callable(info.default_factory) else repr(info.default),
            }

    for name, info in Scenario.model_fields.items():
        ann = info.annotation
        if isinstance(ann, type) and issubclass(ann, Section):
            add(f"{name}.", ann)
    add("categories.*.", Category)
    add("events.traffic_policy.", TrafficPolicyEvent)
    add("events.demand_spike.", DemandSpikeEvent)
    add("events.credit_squeeze.", CreditSqueezeEvent)
    add("events.return_wave.", ReturnWaveEvent)
    add("events.head_default.", HeadDefaultEvent)
    add("events.algorithm_change.", AlgorithmChangeEvent)
    add("events.persona_collapse.", PersonaCollapseEvent)
    add("events.presale.", PresaleEvent)
    docs["name"] = {"description": "a label for the scenario", "unit": "", "range": "", "default": "'default'"}
    return docs


def _annotate(body: str) -> str:
    docs = field_docs()
    out = []
    section = ""
    for line in body.splitlines():
        s = line.strip()
        if s.startswith("[[") and s.endswith("]]"):
            section = "events."
        elif s.startswith("[") and s.endswith("]"):
            name = s[1:-1]
            parts = name.split(".")
            section = "categories.*." if parts[0] == "categories" and len(parts) == 2 else name + "."
        elif "=" in s and not s.startswith("#"):
            key = s.split("=", 1)[0].strip()
            doc = docs.get(section + key) if section != "events." else None
            if section == "" and key == "name":
                doc = docs["name"]
            if doc:
                bits = [doc["description"]]
                if doc["unit"]:
                    bits.append(f"[{doc['unit']}]")
                if doc["range"]:
                    bits.append(f"({doc['range']})")
                out.append("# " + " ".join(bits))
        out.append(line)
    return "\n".join(out) + "\n"


def scenario_reference_markdown() -> str:
    """A Markdown table of every field: path, default, unit, range, meaning."""
    rows = ["| field | default | unit | range | meaning |", "|---|---|---|---|---|"]
    for path, d in field_docs().items():
        rows.append(f"| `{path}` | {d['default']} | {d['unit']} | {d['range']} | {d['description']} |")
    return "\n".join(rows) + "\n"
