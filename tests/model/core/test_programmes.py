"""Programmes never exceed their levers (model/programmes.py): volumes in whole agents, budgets in yuan.

Each check runs the model for several lever settings - zero, a setting below one agent, the bundled
baseline, generous levers, levers that change from year to year (a budget cut in the second year), and
a cut in the middle of a year - and compares each year's counts with that year's lever. Yuan totals get a
relative slack of 1e-9 (sums of floats); person counts are exact, up to the model's 1e-6-agent epsilon
when a volume times a share is not a whole number of agents.
"""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jobsim.model.core.programmes import (
    GrassrootsProgramme, InternshipProgramme, LoanProgramme, PublicWelfarePosts, TrainingProgramme,
)
from jobsim.model.experiments.ensemble import run_scenario
from jobsim.model.outputs.dataset import run_dataset

SCALE = 5000
YEARS = (2021, 2022)
REL = 1e-9
# Volumes are taken in whole agents as floor(volume / scale + 1e-6) (model/programmes.py: the epsilon absorbs
# float error such as 65万 x 0.18461538 = 119999.997 persons, i.e. 23.9999994 agents): a year may exceed a
# volume lever by at most 1e-6 agent.
AGENT_EPS = 1e-6
SETTINGS = {
    "zero": dict(training_volume_person_times=0, entrepreneurship_training_share=0, loan_issuance_yuan=0,
                 public_welfare_post_budget_yuan=0, internship_posts=0, grassroots_posts=0),
    "below_one_agent": dict(training_volume_person_times=SCALE - 1, entrepreneurship_training_share=1.0,
                            loan_issuance_yuan=1e6, public_welfare_post_budget_yuan=1e5, internship_posts=SCALE - 1,
                            grassroots_posts=SCALE - 1),
    "baseline": {},
    "generous": dict(training_volume_person_times=2_000_000, entrepreneurship_training_share=0.4,
                     loan_issuance_yuan=600e8, public_welfare_post_budget_yuan=30e8, internship_posts=60_000,
                     grassroots_posts=20_000),
    "cut_in_second_year": dict(
        training_volume_person_times={2021: 650_000, 2022: 100_000},
        entrepreneurship_training_share={2021: 0.184615, 2022: 0.6},
        loan_issuance_yuan={2021: 120e8, 2022: 20e8},
        public_welfare_post_budget_yuan={2021: 6.6e8, 2022: 1e8},
        internship_posts={2021: 11_000, 2022: 2000},
        grassroots_posts={2021: 2000, 2022: 0}),
}


def lever_of(model, lever: str, year: int) -> float:
    return float(model.levers[lever][year])


def programme(model, kind):
    found = [p for p in model.programmes if isinstance(p, kind)]
    assert len(found) == 1
    return found[0]


def run_collecting(model, on_month=None) -> tuple[xr.Dataset, dict[int, dict[str, float]]]:
    """Run month by month; after each December record the programmes' own yearly bookkeeping."""
    loans = programme(model, LoanProgramme)
    book: dict[int, dict[str, float]] = {}
    for _ in range(model.n_months):
        if on_month is not None:
            on_month(model)
        model.step()
        if model.month_of_year == 11:
            book[model.year] = {"individual": loans.individual_used, "business": loans.business_used,
                                "loans": loans.used_this_year,
                                "public_welfare": programme(model, PublicWelfarePosts).used_this_year,
                                "training": programme(model, TrainingProgramme).used_this_year}
    return run_dataset(model.recorder), book


@pytest.fixture(scope="module")
def runs(make_model) -> dict[str, tuple]:
    out = {}
    for name, levers in SETTINGS.items():
        model = make_model(*YEARS, scale=SCALE, seed=11, **levers)
        ds, book = run_collecting(model)
        out[name] = (model, ds, book)
    return out


def yearly_region(ds: xr.Dataset, name: str) -> dict[int, float]:
    region = str(ds["area"].values[0])
    da = ds[name].sel(area=region).groupby("time.year").sum("time")
    return {int(y): float(v) for y, v in zip(da["year"].values, da.values)}


@pytest.mark.parametrize("setting", list(SETTINGS))
def test_training_within_its_volume(runs, setting):
    model, ds, book = runs[setting]
    trainees = yearly_region(ds, "trainees_started")
    entre = yearly_region(ds, "entrepreneurship_trainees_started")
    for year in YEARS:
        volume = lever_of(model, "training_volume_person_times", year)
        share = lever_of(model, "entrepreneurship_training_share", year)
        assert trainees[year] <= volume, (year, trainees[year], volume)
        assert entre[year] <= volume * share + AGENT_EPS * SCALE, (year, entre[year], volume * share)
        assert entre[year] <= trainees[year]
        assert book[year]["training"] * SCALE == trainees[year]
        # Whole agents: the year falls short of its volume by less than one agent when candidates abound.
        if setting in ("baseline", "cut_in_second_year"):
            assert trainees[year] > volume - SCALE, (year, trainees[year], volume)
            assert entre[year] > volume * share - SCALE
    if setting in ("zero", "below_one_agent"):
        assert sum(trainees.values()) == 0
        assert float(ds["spending_training_yuan"].sum()) == 0


@pytest.mark.parametrize("setting", list(SETTINGS))
def test_loans_within_the_lever_and_mostly_individual(runs, setting):
    """Loans issued <= the year's lever; individual loans >= 60% of what is issued (the rule); the
    Dataset's tally is the programme's own bookkeeping."""
    model, ds, book = runs[setting]
    issued = yearly_region(ds, "guaranteed_loans_issued_yuan")
    share = model.p["loan_individual_share"]
    assert share >= 0.6
    for year in YEARS:
        lever = lever_of(model, "loan_issuance_yuan", year)
        b = book[year]
        assert issued[year] <= lever * (1 + REL), (year, issued[year], lever)
        assert b["individual"] + b["business"] == pytest.approx(issued[year], rel=REL, abs=1e-3)
        assert b["loans"] == pytest.approx(issued[year], rel=REL, abs=1e-3)
        assert b["individual"] <= lever * share * (1 + REL)
        if issued[year] > 0:
            assert b["individual"] >= 0.6 * issued[year] * (1 - REL), (year, b)
    if setting == "zero":
        assert sum(issued.values()) == 0
        assert float(ds["startups_created"].sum()) == 0
    if setting == "baseline":  # 120亿 of 6亿 agent-loans: the individual part is lent in full
        assert book[2021]["individual"] == pytest.approx(120e8 * share, rel=1e-6)


def test_loans_stay_mostly_individual_when_borrowers_run_short(make_model):
    """2万亿 a year (below Jiangxi's GDP, so a plausible scenario) is far more than the candidate borrowers
    can take as individual loans; business loans
    must then be held back so that individual loans stay >= 60% of issuance (regression: business loans
    used to be lent in full whatever individuals borrowed, about 41% individual here)."""
    model = make_model(2021, 2021, scale=SCALE, seed=3, loan_issuance_yuan=2e12)
    _, book = run_collecting(model)
    b = book[2021]
    assert b["individual"] >= 0.6 * (b["individual"] + b["business"]), b


@pytest.mark.parametrize("setting", list(SETTINGS))
def test_public_welfare_posts_within_their_budget(runs, setting):
    model, ds, book = runs[setting]
    spent = yearly_region(ds, "spending_public_welfare_posts_yuan")
    for year in YEARS:
        budget = lever_of(model, "public_welfare_post_budget_yuan", year)
        assert spent[year] <= budget * (1 + REL), (year, spent[year], budget)
        assert book[year]["public_welfare"] == pytest.approx(spent[year], rel=REL, abs=1e-3)
    if setting == "zero":
        # With no budget (and no grassroots posts) every post holder the population was built with leaves
        # in the first month (of the warm-up), so none is left when the period's record starts.
        assert sum(f.public_welfare_posts for f in model.facts) > 0
        posts = ds["population_by_status"].sel(area=ds["area"].values[0], status="subsidised_post").sum("residence")
        initial = ds["initial_population_by_status"].sel(area=ds["area"].values[0], status="subsidised_post").sum()
        assert float(initial) == 0
        assert float(posts.max()) == 0
        assert sum(spent.values()) == 0


@pytest.mark.parametrize("setting", list(SETTINGS))
def test_internships_and_grassroots_within_their_posts(runs, setting):
    model, ds, _ = runs[setting]
    interns = yearly_region(ds, "internships_started")
    grassroots = yearly_region(ds, "grassroots_started")
    filled = yearly_region(ds, "posts_filled")
    for year in YEARS:
        posts = lever_of(model, "internship_posts", year)
        assert interns[year] <= posts, (year, interns[year], posts)
        assert grassroots[year] <= lever_of(model, "grassroots_posts", year), (year, grassroots[year])
        assert filled[year] >= interns[year] + grassroots[year]
    if setting in ("baseline", "generous"):
        assert interns[2021] > lever_of(model, "internship_posts", 2021) - SCALE


def test_year_varying_levers_through_a_scenario(make_scenario):
    """The same caps through `run_scenario` with levers that rise and fall by year."""
    scenario = make_scenario(2021, 2023, seed=5, **{
        "training_volume_person_times": {2021: 650_000, 2022: 1_300_000, 2023: 50_000},
        "loan_issuance_yuan": {2021: 120e8, 2022: 30e8, 2023: 0},
        "public_welfare_post_budget_yuan": {2021: 6.6e8, 2022: 0.5e8, 2023: 9e8},
        "internship_posts": {2021: 11_000, 2022: 0, 2023: 20_000},
        "grassroots_posts": {2021: 2000, 2022: 10_000, 2023: 0},
    })
    ds = run_scenario(scenario, replicates=2, scale=SCALE, use_calibrated=False)
    y = ds.sel(area="Jiangxi").groupby("time.year").sum("time")
    checks = [
        ("trainees_started", "training_volume_person_times"),
        ("guaranteed_loans_issued_yuan", "loan_issuance_yuan"),
        ("spending_public_welfare_posts_yuan", "public_welfare_post_budget_yuan"),
        ("internships_started", "internship_posts"),
        ("grassroots_started", "grassroots_posts"),
    ]
    for variable, lever in checks:
        for year, cap in scenario.lever_values(lever).items():
            got = y[variable].sel(year=year).values
            assert np.all(got <= cap * (1 + REL)), (variable, year, got, cap)
            if cap == 0:
                assert np.all(got == 0), (variable, year, got)
    assert np.all(y["trainees_started"].sel(year=2022).values > y["trainees_started"].sel(year=2021).values)


def _cut_in_july(make_model, seed: int, new_levers) -> tuple[xr.Dataset, dict, dict]:
    """Run 2021 with the levers changed before July's step to `new_levers(used)` (used: what the
    programmes had taken by the end of June). Returns (Dataset, December bookkeeping, used by June)."""
    model = make_model(2021, 2021, scale=SCALE, seed=seed)
    used: dict[str, float] = {}

    def cut(m):
        if m.month == 2021 * 12 + 5:  # June done, before July's step
            used.update(training=programme(m, TrainingProgramme).used_this_year * SCALE,
                        loans=programme(m, LoanProgramme).used_this_year,
                        pw=programme(m, PublicWelfarePosts).used_this_year,
                        interns=programme(m, InternshipProgramme).used_this_year * SCALE)
            for lever, value in new_levers(used).items():
                m.levers[lever][2021] = value

    ds, book = run_collecting(model, on_month=cut)
    assert all(v > 0 for v in used.values()), used
    return ds, book, used


def test_a_cut_in_the_middle_of_a_year(make_model):
    """In July the year's levers are cut: training and internships below what was already taken, the
    public-welfare budget to a little above what was spent. After the cut nothing more is taken than the
    rest of the new lever (nothing at all when the cut is below what was used), and post holders the
    budget no longer pays for lose their posts."""
    ds, book, used = _cut_in_july(make_model, 2, lambda used: {
        "training_volume_person_times": used["training"] * 0.5,
        "public_welfare_post_budget_yuan": used["pw"] + 0.2e8,
        "internship_posts": used["interns"] / 2,
    })
    after = ds.sel(area="Jiangxi", time=slice("2021-07-01", None)).sum("time")
    assert float(after["trainees_started"]) == 0
    assert float(after["entrepreneurship_trainees_started"]) == 0
    assert float(after["internships_started"]) == 0
    assert float(after["spending_public_welfare_posts_yuan"]) <= 0.2e8 * (1 + REL)
    assert book[2021]["public_welfare"] <= used["pw"] + 0.2e8 * (1 + REL)
    posts = ds["population_by_status"].sel(area="Jiangxi", status="subsidised_post").sum("residence")
    assert float(posts.sel(time="2021-12-01")) < 0.5 * float(posts.sel(time="2021-06-01"))


def test_a_loan_cut_in_the_middle_of_a_year(make_model):
    """The loan lever is cut in July to 5亿 above what was lent by June: the year's total stays within the
    new lever (regression: December's business room used to be lent in full, 49.7亿 against 40.5亿)."""
    ds, book, used = _cut_in_july(make_model, 2, lambda used: {"loan_issuance_yuan": used["loans"] + 5e8})
    after = ds.sel(area="Jiangxi", time=slice("2021-07-01", None)).sum("time")
    assert book[2021]["loans"] <= used["loans"] + 5e8 * (1 + REL), (book[2021], used)
    assert float(after["guaranteed_loans_issued_yuan"]) <= 5e8 * (1 + REL)


def test_grassroots_intake_once_a_year_from_new_graduates(runs):
    model, ds, _ = runs["generous"]
    started = ds["grassroots_started"].sel(area="Jiangxi")
    months = {int(t.month) for t, v in zip(ds["time"].to_index(), started.values) if v > 0}
    assert months == {GrassrootsProgramme.INTAKE_MONTH + 1}


# --- direction: more of a lever, more of its output (30 paired replicates) ---------------------------------

N_PAIRED = 30


@pytest.fixture(scope="module")
def paired_baseline(make_scenario, shared_dataset) -> xr.Dataset:
    """Jiangxi 2021-2022 baseline levers, 30 replicates at 5000 persons per agent (about 7 s, once per session)."""
    return shared_dataset("paired_baseline", lambda: run_scenario(
        make_scenario(2021, 2022, seed=2021), replicates=N_PAIRED, scale=SCALE, use_calibrated=False))


def paired_difference(make_scenario, baseline: xr.Dataset, variables: tuple[str, ...], **levers) -> dict[str, tuple]:
    """Per variable, (mean, standard error) over replicates of the whole-period difference (variant - baseline)
    for the province. Same scenario seed, so replicate i of both runs shares its random numbers (common random
    numbers)."""
    variant = run_scenario(make_scenario(2021, 2022, seed=2021, **levers), replicates=N_PAIRED, scale=SCALE,
                           use_calibrated=False)
    assert np.array_equal(variant["replicate_seed"].values, baseline["replicate_seed"].values)
    out = {}
    for v in variables:
        d = (variant[v] - baseline[v]).sel(area="Jiangxi").sum("time").values
        out[v] = (float(d.mean()), float(d.std(ddof=1) / np.sqrt(len(d))))
    return out


def test_more_training_more_trainees_and_no_fewer_jobs(make_scenario, paired_baseline):
    """Training doubled (65万 -> 130万 person-times a year). Trainees: every paired replicate trains more
    (mean difference > 2 SE, or a constant positive difference). New urban jobs: one-sided paired test with
    tolerance 2 SE - the mean difference must be >= -2 standard errors (lock-in may cost a little, but
    not significantly)."""
    diff = paired_difference(make_scenario, paired_baseline, ("trainees_started", "new_urban_jobs"),
                             training_volume_person_times=1_300_000)
    mean, se = diff["trainees_started"]
    assert mean > 0 and mean > 2 * se, diff
    mean, se = diff["new_urban_jobs"]
    assert mean >= -2 * se, diff


def test_more_loans_more_startups(make_scenario, paired_baseline):
    """Loans doubled (120亿 -> 240亿 a year): start-ups created, mean paired difference > 2 SE (tolerance:
    a one-sided test at about the 2.5% level)."""
    diff = paired_difference(make_scenario, paired_baseline, ("startups_created", "startup_jobs"),
                             loan_issuance_yuan=240e8)
    for v in ("startups_created", "startup_jobs"):
        mean, se = diff[v]
        assert mean > 2 * se and mean > 0, (v, diff)


def test_more_post_budget_more_posts_filled(make_scenario, paired_baseline):
    """Post budgets doubled - public-welfare budget 6.6亿 -> 13.2亿, internship posts 1.1万 -> 2.2万 and
    grassroots posts 2000 -> 1万 a year (2000 is less than one agent at this scale): posts filled, mean paired difference > 2 SE; each programme
    takes more (public-welfare spending, internships and grassroots starts)."""
    diff = paired_difference(make_scenario, paired_baseline,
                             ("posts_filled", "spending_public_welfare_posts_yuan", "internships_started",
                              "grassroots_started"),
                             public_welfare_post_budget_yuan=13.2e8, internship_posts=22_000, grassroots_posts=10_000)
    mean, se = diff["posts_filled"]
    assert mean > 2 * se and mean > 0, diff
    for v in ("spending_public_welfare_posts_yuan", "internships_started", "grassroots_started"):
        assert diff[v][0] > 0, (v, diff)


# --- random lever settings (Hypothesis) -------------------------------------------------------------------

def _lever_years(values: st.SearchStrategy) -> st.SearchStrategy:
    return st.fixed_dictionaries({2021: values, 2022: values})


@settings(max_examples=12, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(
    training=_lever_years(st.sampled_from([0, 3000, 50_000, 650_000, 3_000_000])),
    share=_lever_years(st.sampled_from([0.0, 0.184615, 0.5, 1.0])),
    loans=_lever_years(st.sampled_from([0.0, 1e8, 120e8, 1000e8, 1e12])),
    budget=_lever_years(st.sampled_from([0.0, 1e6, 6.6e8, 50e8])),
    interns=_lever_years(st.sampled_from([0, 9999, 11_000, 100_000])),
    grassroots=_lever_years(st.sampled_from([0, 10_000, 50_000])),
    seed=st.integers(0, 1000),
)
def test_random_levers_never_exceeded(make_model, training, share, loans, budget, interns, grassroots, seed):
    """Random lever paths (2021-2022, 10000 persons per agent): every programme within every year's lever,
    individual loans >= 60% of issuance, and persons conserved in the province."""
    model = make_model(2021, 2022, scale=10_000, seed=seed, training_volume_person_times=training,
                       entrepreneurship_training_share=share, loan_issuance_yuan=loans,
                       public_welfare_post_budget_yuan=budget, internship_posts=interns, grassroots_posts=grassroots)
    ds, book = run_collecting(model)
    y = ds.sel(area="Jiangxi").groupby("time.year").sum("time")
    for year in YEARS:
        got = {v: float(y[v].sel(year=year)) for v in (
            "trainees_started", "entrepreneurship_trainees_started", "guaranteed_loans_issued_yuan",
            "spending_public_welfare_posts_yuan", "internships_started", "grassroots_started")}
        assert got["trainees_started"] <= training[year]
        assert got["entrepreneurship_trainees_started"] <= training[year] * share[year] + AGENT_EPS * 10_000
        assert got["guaranteed_loans_issued_yuan"] <= loans[year] * (1 + REL)
        assert got["spending_public_welfare_posts_yuan"] <= budget[year] * (1 + REL)
        assert got["internships_started"] <= interns[year]
        assert got["grassroots_started"] <= grassroots[year]
        b = book[year]
        if b["individual"] + b["business"] > 0:
            assert b["individual"] >= 0.6 * (b["individual"] + b["business"]) * (1 - REL), (year, b)
    flows = ds["status_flows"].sel(area="Jiangxi")
    statuses = list(ds["status"].values)
    stock = ds["population_by_status"].sel(area="Jiangxi").sum("residence")
    initial = ds["initial_population_by_status"].sel(area="Jiangxi").sum("residence")
    previous = np.concatenate([initial.values[None], stock.values[:-1]])
    inflow = flows.sel(to_status=statuses).sum("from_status").values
    outflow = flows.sel(from_status=statuses).sum("to_status").values
    assert np.array_equal(stock.values, previous + inflow - outflow)
    assert np.array_equal(ds["new_urban_jobs"].values, (ds["urban_job_entries"] - ds["natural_attrition"]).values)
