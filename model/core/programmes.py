"""Government programmes as Mesa agents, one per lever, each spending its yearly volume or budget month by month.

Volumes (person-times, posts) are taken in whole agents: a month's intake is the whole-agent part
of the cumulative yearly volume due by the end of that month, so a year never takes more than its
volume (and falls short of it by less than one agent, i.e. `scale` persons). Budgets (yuan) are
spent so that cumulative spending never exceeds the year's budget.

Who is picked, and each participant's own chance events (kept by the host, placed after a post), use
counter-based draws keyed by the worker's uid (`LabourMarketModel.draws`, model/core/draws.py), so a
worker's draws do not depend on who else is in the pool; each programme's sequential stream serves
only draws whose number does not depend on the state (the loan programme's sizes, jobs and areas).
"""

from __future__ import annotations

import mesa
import numpy as np

from jobsim.model.core import agents as A


def whole_agents(x: float) -> int:
    """Whole agents in `x` agents' worth of volume, never more: the 1e-6-agent epsilon only absorbs
    float error (a share meant as 12/65 must be written with enough digits, 0.184615384615, for
    65万 x share to be 12万)."""
    return int(np.floor(x + 1e-6))


class Programme(mesa.Agent):
    """A programme: reads its lever for the current year and acts on the worker and firm arrays."""

    lever: str = ""

    def __init__(self, model: "mesa.Model"):
        super().__init__(model)
        self.stream = model.streams[type(self).__name__]  # this programme's own sequential random stream
        self.used_this_year = 0  # agents taken this year (volume levers) or yuan spent (budget levers)
        self.year = None

    def yearly(self) -> float:
        return self.model.lever(self.lever)

    def new_year_check(self) -> None:
        if self.year != self.model.year:
            self.year = self.model.year
            self.used_this_year = 0

    def volume_quota(self, volume_persons: float) -> int:
        """Whole agents due this month so that the year's total is floor(volume / scale)."""
        self.new_year_check()
        due = whole_agents(volume_persons / self.model.scale * (self.model.month_of_year + 1) / 12)
        return max(0, due - self.used_this_year)

    def uniform(self, idx: np.ndarray, slot: int) -> np.ndarray:
        """One counter-based uniform per worker of `idx` (this programme, this month, `slot`, the worker's uid)."""
        return self.model.uniform(type(self).__name__, idx, slot)

    def order(self, candidates: np.ndarray, slot: int) -> np.ndarray:
        """The candidates in a random order: by their counter-based uniforms."""
        return candidates[np.argsort(self.uniform(candidates, slot), kind="stable")]

    def pick(self, candidates: np.ndarray, n: int, weights: np.ndarray | None = None, slot: int = 0) -> np.ndarray:
        """Choose up to n of the candidate indices at random (optionally weighted), without replacement,
        in random order: the n smallest counter-based keys (a uniform each, or with weights the
        Efraimidis-Spirakis key, a standard exponential over the weight), keyed by the worker's uid."""
        n = min(n, len(candidates))
        if n <= 0:
            return np.empty(0, np.int64)
        uid = self.model.workers.uid[candidates]
        draws = self.model.draws(type(self).__name__)
        keys = draws.uniform(slot, uid) if weights is None else draws.exponential(slot, uid) / weights
        if n < len(keys):  # the n smallest (linear time), then in key order
            top = np.argpartition(keys, n - 1)[:n]
            return candidates[top[np.argsort(keys[top], kind="stable")]]
        return candidates[np.argsort(keys, kind="stable")]


class TrainingProgramme(Programme):
    """Subsidised vocational training: intake by target group, course, skill gain, raised hiring chances;
    entrepreneurship courses also raise the chance of starting a business and its survival."""

    lever = "training_volume_person_times"

    def __init__(self, model):
        super().__init__(model)
        self.entre_used_this_year = 0

    def step(self) -> None:
        m, w, p = self.model, self.model.workers, self.model.p
        self.complete_courses()
        if self.year != m.year:
            self.entre_used_this_year = 0
        volume = self.yearly()
        share = m.lever("entrepreneurship_training_share")
        n_all = self.volume_quota(volume)  # also resets the year
        due_entre = whole_agents(volume * share / m.scale * (m.month_of_year + 1) / 12)
        n_entre = min(n_all, max(0, due_entre - self.entre_used_this_year))
        n_general = n_all - n_entre

        now = m.month
        searchers = np.flatnonzero(w.status == A.UNEMPLOYED)
        recent_grad = (now - w.grad_month[searchers]) <= int(round(p["recent_graduate_months"]))
        groups = {
            "unemployed": searchers[~recent_grad],
            "rural": np.flatnonzero(w.status == A.FARM),
            "graduates": searchers[recent_grad],
            "employed": np.flatnonzero((w.status == A.EMPLOYED_FIRM) & (w.trained_until < now)),
        }
        # Entrepreneurship trainees first (searchers and farm workers; trained ones more likely to borrow).
        entre_pool = np.concatenate([groups["unemployed"], groups["graduates"], groups["rural"]])
        entre = self.pick(entre_pool, n_entre, slot=0)
        taken = np.zeros(len(w), bool)
        taken[entre] = True
        shares = np.array([p["training_share_unemployed"], p["training_share_rural"],
                           p["training_share_graduates"], p["training_share_employed"]], float)
        names = list(groups)
        pools = [g[~taken[g]] for g in groups.values()]
        chosen = self._allocate(n_general, shares, pools)
        general = np.concatenate(chosen) if chosen else np.empty(0, np.int64)
        on_the_job = chosen[names.index("employed")]
        off_the_job = general[~A.row_mask(len(w), on_the_job)[general]]  # np.setdiff1d(general, on_the_job)

        duration = int(round(p["training_duration_months"]))
        effect = int(round(p["training_effect_months"]))
        # Searchers leave the search for the course (lock-in); farm workers and the employed train
        # alongside their work (rural trainees then move into non-farm work sooner).
        in_class = np.concatenate([entre, off_the_job])
        in_class = in_class[w.status[in_class] == A.UNEMPLOYED]
        m.workers.transition(in_class, A.IN_TRAINING, now)
        w.until[in_class] = now + duration
        w.entre_until[entre] = now + duration + int(round(p["entrepreneurship_window_months"]))
        trainees = np.concatenate([entre, general])
        w.skill[trainees] = np.minimum(1.0, w.skill[trainees] + p["training_skill_gain"])
        w.trained_until[trainees] = now + duration + effect
        w.trained_until[on_the_job] = now + effect

        self.used_this_year += len(entre) + len(general)
        self.entre_used_this_year += len(entre)
        m.tally("trainees_started", trainees)
        m.tally("entrepreneurship_trainees_started", entre)
        m.tally("spending_training_yuan", general, p["training_cost_per_trainee_yuan"])
        m.tally("spending_training_yuan", entre, p["entrepreneurship_training_cost_yuan"])

    def _allocate(self, n: int, shares: np.ndarray, pools: list[np.ndarray]) -> list[np.ndarray]:
        """Split n trainees over groups by share; a group short of candidates passes its places on."""
        sizes = np.array([len(pl) for pl in pools])
        want = np.zeros(len(pools), np.int64)
        remaining = n
        active = sizes > 0
        while remaining > 0 and active.any():
            s = shares * active
            if s.sum() <= 0:
                s = active.astype(float)
            alloc = np.floor(remaining * s / s.sum()).astype(np.int64)
            rest = remaining - alloc.sum()
            if rest > 0:  # hand out the remainder by largest fractional part, deterministic given shares
                frac = remaining * s / s.sum() - alloc
                alloc[np.argsort(-frac, kind="stable")[:rest]] += 1
            alloc = np.minimum(alloc, sizes - want)
            want += alloc
            remaining -= int(alloc.sum())
            active = (sizes - want) > 0
            if alloc.sum() == 0:
                break
        return [self.pick(pl, int(k), slot=1 + i) for i, (pl, k) in enumerate(zip(pools, want))]

    def complete_courses(self) -> None:
        m, w = self.model, self.model.workers
        done = np.flatnonzero((w.status == A.IN_TRAINING) & (w.until <= m.month))
        m.workers.transition(done, A.UNEMPLOYED, m.month)
        w.until[done] = A.NEVER


class LoanProgramme(Programme):
    """Entrepreneurship guaranteed loans: individual loans start businesses owned by their borrowers,
    business loans start or expand small firms; each hires; interest subsidy and losses are its cost."""

    lever = "loan_issuance_yuan"

    def __init__(self, model):
        super().__init__(model)
        self.cohorts: list[tuple[int, np.ndarray]] = []  # (month issued, principal by area)
        self.individual_used = 0.0  # yuan issued this year as individual loans
        self.business_used = 0.0

    def step(self) -> None:
        m, w, p = self.model, self.model.workers, self.model.p
        if self.year != m.year:
            self.individual_used = self.business_used = 0.0
        self.new_year_check()
        self.service_outstanding()
        due = self.yearly() * (m.month_of_year + 1) / 12.0
        last_month = m.month_of_year == 11
        rng = self.stream

        # Individual loans (at least the rule's share of issuance): one agent-loan stands for `scale`
        # loans of the drawn size. Each starts a business owned by its borrower.
        share = p["loan_individual_share"]
        ind_room = min(due * share - self.individual_used, self.yearly() - self.used_this_year)
        sizes = self._draw_sizes(ind_room, p["loan_mean_individual_yuan"], p["loan_cap_individual_yuan"], last_month)
        candidates = np.flatnonzero((w.status == A.UNEMPLOYED) | ((w.status == A.INACTIVE) & (w.entre_until >= m.month)))
        weights = np.where(w.entre_until[candidates] >= m.month, p["loan_borrower_weight_entrepreneurship_trained"], 1.0)
        borrowers = self.pick(candidates, len(sizes), weights, slot=0)
        sizes = sizes[: len(borrowers)]
        if len(borrowers):
            entre = w.entre_until[borrowers] >= m.month
            hires = rng.poisson(p["jobs_per_individual_loan"], len(borrowers)).astype(float)
            new = self._open_firms(w.area[borrowers], hires, owner=borrowers, entre_owner=entre)
            w.transition(borrowers, A.SELF_EMPLOYED, m.month, programme=True)
            w.firm[borrowers] = new
            m.tally("startup_jobs", borrowers)
            self._issue(w.area[borrowers], sizes)
            self.individual_used += float(sizes.sum())

        # Business loans (partnerships, small firms): new loan-backed firms in areas drawn by employment.
        # Business loans never push individual loans below the rule's minimum share (60%) of
        # issuance, and the year's total never exceeds the lever (even if it was lowered during the year).
        rule = max(share, p["loan_individual_share_minimum"])
        biz_room = min(due * (1.0 - share) - self.business_used,
                       self.individual_used * (1.0 - rule) / rule - self.business_used,
                       self.yearly() - self.used_this_year)
        b_sizes = self._draw_sizes(biz_room, p["loan_mean_business_yuan"], p["loan_cap_business_yuan"], last_month)
        if len(b_sizes):
            weights_area = np.maximum(m.area_employment(), 1e-9)
            area = rng.choice(len(weights_area), size=len(b_sizes), p=weights_area / weights_area.sum())
            hires = rng.poisson(p["jobs_per_business_loan_per_million_yuan"] * b_sizes / 1e6 / m.scale).astype(float)
            self._open_firms(area, hires, owner=np.full(len(b_sizes), -1), entre_owner=np.zeros(len(b_sizes), bool))
            self._issue(area, b_sizes)
            self.business_used += float(b_sizes.sum())

    def _draw_sizes(self, room: float, mean: float, cap: float, last_month: bool) -> np.ndarray:
        """Agent-loan sizes (yuan, already times scale) whose running total stays within `room`.

        Within the year, lending stops at the first loan that would overshoot (the rest waits for
        next month); in December the year's remainder is lent as one last, smaller loan.
        """
        scale, p = self.model.scale, self.model.p
        if room <= 0:
            return np.empty(0)
        # Draw 1.5 times the expected number of loans (plus two) at once; those beyond `room` are dropped.
        n_guess = int(room / (mean * scale) * 1.5) + 2
        sigma = np.sqrt(np.log(1 + p["loan_size_cv"]**2))
        raw = self.stream.lognormal(np.log(mean) - sigma**2 / 2, sigma, n_guess)
        sizes = np.minimum(raw, cap) * scale
        sizes = sizes[np.cumsum(sizes) <= room]
        rest = room - float(sizes.sum())
        if last_month and rest > p["loan_last_remainder_min_share_of_mean"] * mean * scale:
            sizes = np.append(sizes, min(rest, cap * scale))
        return sizes

    def _open_firms(self, area, hires, owner, entre_owner) -> np.ndarray:
        m, p = self.model, self.model.p
        n = len(area)
        displaced = (1.0 - p["loan_additionality"]) * hires
        new = m.firms.append({
            "area": area, "sector": np.ones(n, np.int8), "demand": hires, "base_demand": hires,
            "skill_req": A.clamp(p["firm_skill_requirement_startup"] + self.stream.normal(0, p["firm_skill_requirement_sd"], n), 0.0, 1.0),
            "loan_backed": np.ones(n, bool),
            "birth": np.full(n, m.month), "owner": owner, "entre_owner": entre_owner,
            "alive": np.ones(n, bool), "displacement": displaced,
        })
        np.add.at(m.displaced_demand, area.astype(np.int64), displaced)
        m.tally("startups_created", area=area)
        return new

    def _issue(self, area: np.ndarray, sizes: np.ndarray) -> None:
        m = self.model
        by_area = np.bincount(area.astype(np.int64), weights=sizes, minlength=m.n_areas)
        self.used_this_year += float(sizes.sum())
        m.tally_area("guaranteed_loans_issued_yuan", by_area)
        self.cohorts.append((m.month, by_area))

    def service_outstanding(self) -> None:
        """Interest subsidy on outstanding principal; at maturity, the guarantee fund bears the losses."""
        m, p = self.model, self.model.p
        term = int(round(p["loan_term_months"]))
        cost = np.zeros(m.n_areas)
        keep = []
        for issued, principal in self.cohorts:
            if m.month - issued >= term:
                cost += principal * p["loan_loss_rate"]
            else:
                cost += principal * p["interest_subsidy_rate_per_year"] / 12.0
                keep.append((issued, principal))
        self.cohorts = keep
        m.tally_area("spending_loans_yuan", cost)


class PublicWelfarePosts(Programme):
    """Public-welfare posts for the hard-to-employ, within the yearly budget; leavers may move to jobs."""

    lever = "public_welfare_post_budget_yuan"

    def step(self) -> None:
        m, w, p = self.model, self.model.workers, self.model.p
        self.new_year_check()
        holders = np.flatnonzero((w.status == A.SUBSIDISED_POST) & (w.post_kind == A.POST_PUBLIC_WELFARE))
        ending = (w.until[holders] <= m.month) | (w.retire_month[holders] <= m.month)
        self._leave(holders[ending])
        holders = holders[~ending]

        multiple = p["public_welfare_cost_multiple_of_min_wage"] * m.scale
        cost_of = lambda idx: multiple * m.min_wage[w.area[idx]]  # noqa: E731 - yuan per agent-month
        months_left = 12 - m.month_of_year
        allowance = max(0.0, (self.yearly() - self.used_this_year) / months_left)
        # Keep the longest-serving holders within this month's allowance; the rest lose their post.
        holders = holders[np.argsort(w.since[holders], kind="stable")]
        within = np.cumsum(cost_of(holders)) <= allowance + 1e-6
        self._leave(holders[~within], to_job_share=0.0)
        holders = holders[within]
        spent = float(cost_of(holders).sum())

        # Fill free places, hard-to-employ first, then older registered unemployed.
        free = allowance - spent
        if free > 0:
            unemployed = w.status == A.UNEMPLOYED
            first = np.flatnonzero(unemployed & w.hard)
            registered = np.flatnonzero(unemployed & ~w.hard & w.registered)
            age = m.month - w.birth[registered]
            second = registered[np.where(w.male[registered], p["hard_to_employ_age_men"],
                                         p["hard_to_employ_age_women"]) * 12 <= age]
            order = np.concatenate([self.order(first, 0), self.order(second, 1)])
            fits = np.cumsum(cost_of(order)) <= free + 1e-6
            new = order[fits]
            hard_before = w.hard[new].copy()
            w.transition(new, A.SUBSIDISED_POST, m.month)
            w.hard[new] = hard_before  # post holders stay certified (they were placed as hard-to-employ)
            w.post_kind[new] = A.POST_PUBLIC_WELFARE
            w.until[new] = np.minimum(m.month + int(round(p["public_welfare_max_months"])), w.retire_month[new])
            spent += float(cost_of(new).sum())
            m.tally("posts_filled", new)
            holders = np.concatenate([holders, new])
        self.used_this_year += spent
        m.tally("spending_public_welfare_posts_yuan", holders, weights=cost_of(holders) / m.scale)

    def _leave(self, idx: np.ndarray, to_job_share: float | None = None) -> None:
        m, w, p = self.model, self.model.workers, self.model.p
        if len(idx) == 0:
            return
        share = p["public_welfare_exit_to_job"] if to_job_share is None else to_job_share
        retiring = w.retire_month[idx] <= m.month
        w.transition(idx[retiring], A.RETIRED, m.month)
        idx = idx[~retiring]
        w.transition(idx, A.UNEMPLOYED, m.month)
        w.until[idx] = A.NEVER
        # Holders leave as they came: still certified hard-to-employ (searching at the floor
        # intensity), with no search boost (the evidence finds public-employment schemes the weakest
        # programmes afterwards). Those who move on to a job (`public_welfare_exit_to_job`) are placed
        # first in this month's matching: they take a vacancy like any other hire.
        to_job = idx[self.uniform(idx, 2) < share]
        m.give_priority(to_job)


class InternshipProgramme(Programme):
    """Youth internships (见习): graduates and young unemployed, subsidised per intern-month; hosts keep some."""

    lever = "internship_posts"

    def step(self) -> None:
        m, w, p = self.model, self.model.workers, self.model.p
        done = np.flatnonzero((w.status == A.INTERNSHIP) & (w.until <= m.month))
        if len(done):
            w.transition(done, A.UNEMPLOYED, m.month)
            w.until[done] = A.NEVER
            w.search_mult[done] = p["post_search_multiplier"]
            # Interns the host keeps fill one of its open vacancies through this month's matching.
            kept = done[self.uniform(done, 0) < p["internship_retention"]]
            m.give_priority(kept)
        n = self.volume_quota(self.yearly())
        searchers = np.flatnonzero(w.status == A.UNEMPLOYED)
        youth_months = int(round(p["youth_age_max_years"] * 12))
        recent_grad = (m.month - w.grad_month[searchers]) <= int(round(p["recent_graduate_months"]))
        youth = searchers[((m.month - w.birth[searchers]) < youth_months) | recent_grad]
        new = self.pick(youth, n, slot=1)
        w.transition(new, A.INTERNSHIP, m.month)
        w.until[new] = m.month + int(round(p["internship_duration_months"]))
        self.used_this_year += len(new)
        m.tally("posts_filled", new)
        m.tally("internships_started", new)
        interns = np.flatnonzero(w.status == A.INTERNSHIP)
        pay = p["internship_subsidy_share_of_min_wage"] * m.min_wage[w.area[interns]]
        m.tally("spending_internships_yuan", interns, weights=pay)


class GrassrootsProgramme(Programme):
    """Grassroots posts (三支一扶): new graduates selected each July for two-year terms, most placed after."""

    lever = "grassroots_posts"
    INTAKE_MONTH = 6  # July (month_of_year is 0-based)

    def step(self) -> None:
        m, w, p = self.model, self.model.workers, self.model.p
        in_post = (w.status == A.SUBSIDISED_POST) & (w.post_kind == A.POST_GRASSROOTS)
        done = np.flatnonzero(in_post & (w.until <= m.month))
        if len(done):
            # After the term everyone searches; those placed (`grassroots_placement_after_term`) are
            # placed first in this month's matching, into an open vacancy (no post is created for them).
            w.transition(done, A.UNEMPLOYED, m.month)
            w.until[done] = A.NEVER
            m.give_priority(done[self.uniform(done, 0) < p["grassroots_placement_after_term"]])
        if m.month_of_year == self.INTAKE_MONTH:
            self.used_this_year = 0
            self.year = m.year
            n = whole_agents(self.yearly() / m.scale)
            fresh = np.flatnonzero((w.status == A.UNEMPLOYED) & (w.grad_month == m.month))
            new = self.pick(fresh, n, slot=1)
            w.transition(new, A.SUBSIDISED_POST, m.month)
            w.post_kind[new] = A.POST_GRASSROOTS
            w.until[new] = m.month + int(round(p["grassroots_term_months"]))
            self.used_this_year += len(new)
            m.tally("posts_filled", new)
            m.tally("grassroots_started", new)
        holders = np.flatnonzero((w.status == A.SUBSIDISED_POST) & (w.post_kind == A.POST_GRASSROOTS))
        m.tally("spending_grassroots_yuan", holders, p["grassroots_stipend_yuan_per_month"])


class UnemploymentInsurance(Programme):
    """Unemployment insurance: insured workers laid off this month claim; recipients are paid 90% of the
    minimum wage for up to the maximum months and must register; receipt lowers search a little."""

    lever = ""

    def step(self) -> None:
        m, w, p = self.model, self.model.workers, self.model.p
        claims = m.laid_off_this_month
        claims = claims[w.insured[claims] & (w.status[claims] == A.UNEMPLOYED)]
        w.ui_left[claims] = int(round(p["ui_max_benefit_months"]))
        w.registered[claims] = True
        recipients = np.flatnonzero((w.status == A.UNEMPLOYED) & (w.ui_left > 0))
        benefit = p["ui_benefit_share_of_min_wage"] * m.min_wage[w.area[recipients]]
        m.tally("spending_unemployment_insurance_yuan", recipients, weights=benefit)
        w.ui_left[recipients] -= 1
