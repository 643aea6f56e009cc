"""Programmes never exceed their levers (model/programmes.py): volumes in whole agents, budgets in yuan.

Each check runs the model for several lever settings - zero, a setting below one agent, the bundled
baseline, generous levers, levers that change from year to year (a budget cut in the second year), and
a cut in the middle of a year - and compares each year's counts with that year's lever. Yuan totals get a
relative slack of 1e-9 (sums of floats); person counts are exact.
"""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from model.programmes import (
    GrassrootsProgramme, InternshipProgramme, LoanProgramme, PublicWelfarePosts, TrainingProgramme,
)
from model.run import run_scenario

SCALE = 5000
YEARS = (2021, 2022)
REL = 1e-9
BASE = {  # the Jiangxi baseline's 2021 levers, in base units
    "training_volume_person_times": 650_000, "entrepreneurship_training_share": 0.184615,
    "loan_issuance_yuan": 120e8, "public_welfare_post_budget_yuan": 6.6e8, "internship_posts": 11_000,
    "grassroots_posts": 2000,
}
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
    return model.recorder.dataset(), book


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
        assert entre[year] <= volume * share * (1 + REL), (year, entre[year], volume * share)
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


@pytest.mark.xfail(strict=True, reason=(
    "BUG: model/programmes.py LoanProgramme.step (business-loan block, line ~191: biz_room) lends the business "
    "share (1 - loan_individual_share) of the lever in full whatever was lent to individuals; when there are "
    "too few candidate borrowers (unemployed, or entrepreneurship-trained inactive) for the individual part, "
    "individual loans fall below 60% of issuance (about 33% at 5万亿 a year). Cap biz_room at "
    "individual_used * (1 - s) / s - business_used (s = max(loan_individual_share, 0.6))."))
def test_loans_stay_mostly_individual_when_borrowers_run_short(make_model):
    model = make_model(2021, 2021, scale=SCALE, seed=3, loan_issuance_yuan=5e12)
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
        # With no budget (and no grassroots posts) every initial post holder leaves in the first month.
        posts = ds["population_by_status"].sel(area=ds["area"].values[0], status="subsidised_post").sum("residence")
        initial = ds["initial_population_by_status"].sel(area=ds["area"].values[0], status="subsidised_post").sum()
        assert float(initial) > 0
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


@pytest.mark.xfail(strict=True, reason=(
    "BUG: model/programmes.py LoanProgramme.step (lines ~174 and ~191) keeps separate rooms for individual (share x due) and "
    "business (1 - share x due) loans and never checks the total against the year's lever: after the "
    "lever is cut in July to 5亿 above what was lent by June, December's business room "
    "(new lever x 0.35 - business_used) is lent in full although the individual loans already used up "
    "the new lever, so the year issues about 49.7亿 against a lever of 40.5亿. Cap biz_room (and ind_room) "
    "at yearly - used_this_year as well."))
def test_a_loan_cut_in_the_middle_of_a_year(make_model):
    ds, book, used = _cut_in_july(make_model, 2, lambda used: {"loan_issuance_yuan": used["loans"] + 5e8})
    after = ds.sel(area="Jiangxi", time=slice("2021-07-01", None)).sum("time")
    assert book[2021]["loans"] <= used["loans"] + 5e8 * (1 + REL), (book[2021], used)
    assert float(after["guaranteed_loans_issued_yuan"]) <= 5e8 * (1 + REL)


def test_grassroots_intake_once_a_year_from_new_graduates(runs):
    model, ds, _ = runs["generous"]
    started = ds["grassroots_started"].sel(area="Jiangxi")
    months = {int(t.month) for t, v in zip(ds["time"].to_index(), started.values) if v > 0}
    assert months == {GrassrootsProgramme.INTAKE_MONTH + 1}
