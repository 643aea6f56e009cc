"""Workers and firms as structures of arrays: one row per agent, each agent standing for `scale` units.

Workers and firms are many (tens to hundreds of thousands), so their state lives in numpy arrays that
the model's monthly processes update in bulk; the programmes, which are few and each have one job,
are Mesa agents (`model/programmes.py`). Every change of a worker's status goes through
`WorkerPopulation.transition`, which records it in the month's flow matrix: that is what makes the
stock-flow accounting exact.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

# --- worker statuses ------------------------------------------------------------------------
EMPLOYED_FIRM = 0  # an employee of a firm (incumbent, start-up or public sector)
SELF_EMPLOYED = 1  # self-employed or owner of a start-up
SUBSIDISED_POST = 2  # public-welfare post or grassroots post (counted as employed)
UNEMPLOYED = 3  # without work, searching, available (survey definition)
IN_TRAINING = 4  # on a subsidised course (not searching)
INTERNSHIP = 5  # subsidised youth internship (not counted as employed)
FARM = 6  # rural farm work (potential transfer)
INACTIVE = 7  # out of the labour force (students, homemakers, discouraged)
N_STATUS = 8

STATUS_NAMES = (
    "employed_firm",
    "self_employed",
    "subsidised_post",
    "unemployed",
    "in_training",
    "internship",
    "farm",
    "inactive",
)
EMPLOYED_STATUSES = (EMPLOYED_FIRM, SELF_EMPLOYED, SUBSIDISED_POST)

# Flow matrix axes: sources are the statuses plus "entry" (graduates, young entrants); destinations
# are the statuses plus the exits from the working population.
ENTRY = N_STATUS  # source index for new entrants
RETIRED = N_STATUS  # destination indices for exits
DIED = N_STATUS + 1
MIGRATED_OUT = N_STATUS + 2
N_SOURCES = N_STATUS + 1
N_DESTINATIONS = N_STATUS + 3
SOURCE_NAMES = STATUS_NAMES + ("entry",)
DESTINATION_NAMES = STATUS_NAMES + ("retired", "died", "migrated_out")
GONE = -1  # status value of a worker who has left the population (retired, died, migrated)

_IS_EMPLOYED = np.zeros(N_DESTINATIONS + 1, dtype=bool)
_IS_EMPLOYED[list(EMPLOYED_STATUSES)] = True

# Post kinds of workers in SUBSIDISED_POST.
POST_NONE, POST_PUBLIC_WELFARE, POST_GRASSROOTS = 0, 1, 2

NEVER = np.iinfo(np.int32).min // 2  # month index meaning "never" for *_until fields


def clamp(x, lo, hi):
    """np.clip(x, lo, hi) as np.minimum(np.maximum(x, lo), hi): the same values, without np.clip's
    overhead, which is most of its cost on the few hundred entries of a month's entrants or start-ups."""
    return np.minimum(np.maximum(x, lo), hi)


def row_mask(n: int, idx: np.ndarray) -> np.ndarray:
    """A mask over n rows, True at `idx`. `rows[~row_mask(n, idx)[rows]]` is np.setdiff1d(rows, idx,
    assume_unique=True), in the order of rows, without the sort np.isin makes."""
    mask = np.zeros(n, bool)
    mask[idx] = True
    return mask


@dataclass
class MonthCounters:
    """Event counts of the current month, by area (agents, converted to persons on output)."""

    n_areas: int
    flows: np.ndarray = field(init=False)  # (area, source, destination)
    urban_job_entries: np.ndarray = field(init=False)
    natural_attrition: np.ndarray = field(init=False)
    reemployment: np.ndarray = field(init=False)
    hard_to_employ_placed: np.ndarray = field(init=False)
    rural_transferred: np.ndarray = field(init=False)
    # Urban job entries split by who enters (they sum to urban_job_entries): a first job (never held
    # one), a re-hire after leaving a job in the same calendar year (the churn the yearly gross flow
    # counts twice), any other return to work, and placements a programme makes or pays for.
    hires_first_job: np.ndarray = field(init=False)
    hires_rehire_same_year: np.ndarray = field(init=False)
    hires_other: np.ndarray = field(init=False)
    programme_placements: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.flows = np.zeros((self.n_areas, N_SOURCES, N_DESTINATIONS), dtype=np.int64)
        z = lambda: np.zeros(self.n_areas, dtype=np.int64)  # noqa: E731
        self.urban_job_entries = z()
        self.natural_attrition = z()
        self.reemployment = z()
        self.hard_to_employ_placed = z()
        self.rural_transferred = z()
        self.hires_first_job = z()
        self.hires_rehire_same_year = z()
        self.hires_other = z()
        self.programme_placements = z()
        self._pending: list[np.ndarray] = []

    def add_flows(self, keys: np.ndarray) -> None:
        """Queue flow-matrix keys; they are counted once per month by `flush` (one bincount, not one per move)."""
        self._pending.append(keys)

    def flush(self) -> None:
        if self._pending:
            keys = np.concatenate(self._pending)
            self.flows += np.bincount(keys, minlength=self.flows.size).reshape(self.flows.shape)
            self._pending = []

    def reset(self) -> None:
        self._pending = []
        for arr in (self.flows, self.urban_job_entries, self.natural_attrition, self.reemployment,
                    self.hard_to_employ_placed, self.rural_transferred, self.hires_first_job,
                    self.hires_rehire_same_year, self.hires_other, self.programme_placements):
            arr.fill(0)


class _ColumnArrays:
    """Agents as one array per attribute (`ARRAYS`: name -> dtype), appended to in place.

    Each attribute is a view of the first len(self) rows of a buffer with room to spare, so that adding
    a month's entrants (or start-ups) writes only the new rows instead of copying every column
    (np.concatenate of each column each month was a twentieth of a run's time at 1:1000)."""

    ARRAYS: dict[str, type] = {}
    # A full buffer grows to GROWTH times the rows needed plus SPARE_ROWS (amortised appends). Speed only:
    # the numbers are the same for any values.
    GROWTH = 1.25
    SPARE_ROWS = 64

    def _set_columns(self, columns: dict[str, np.ndarray], kind: str) -> None:
        n = len(columns["area"])
        self._buffers = {}
        for name, dtype in self.ARRAYS.items():
            arr = np.asarray(columns[name], dtype=dtype)
            if arr.shape != (n,):
                raise ValueError(f"{kind} column {name}: shape {arr.shape}, expected ({n},)")
            self._buffers[name] = arr
            setattr(self, name, arr)

    def __len__(self) -> int:
        return len(self.area)

    def _append_columns(self, columns: dict[str, np.ndarray]) -> np.ndarray:
        """Add rows (one value per attribute each); returns their indices."""
        start, k = len(self), len(columns["area"])
        end = start + k
        for name, dtype in self.ARRAYS.items():
            buf = self._buffers[name]
            if end > len(buf):
                grown = np.empty(max(end, int(end * self.GROWTH) + self.SPARE_ROWS), dtype)
                grown[:start] = buf[:start]
                buf = self._buffers[name] = grown
            buf[start:end] = np.asarray(columns[name], dtype=dtype)
            setattr(self, name, buf[:end])
        return np.arange(start, end)

    def _keep_rows(self, keep: np.ndarray) -> None:
        """Keep only the rows where `keep` is True (in order)."""
        for name in self.ARRAYS:
            arr = getattr(self, name)[keep]
            self._buffers[name] = arr
            setattr(self, name, arr)


class WorkerPopulation(_ColumnArrays):
    """Worker agents as arrays. Attributes (one entry per agent):

    area: city index; birth: birth month index (year*12 + month-1); male, college, urban (residence),
    rural_origin (rural hukou, eligible for transfer); skill in [0, 1]; status (see constants;
    GONE once retired, dead or migrated out); since: month the status began; firm: employer index
    or -1; until: month a course, internship or post ends; post_kind; registered (with the public
    employment service); hard (certified hard-to-employ); cert_draw (fixed uniform draw deciding
    certification); insured (unemployment insurance); ui_left (benefit months left); trained_until
    (training raises hiring chances until then); entre_until (entrepreneurship-trained until then);
    grad_month (month of graduation, NEVER if none); transfer_pending (a farm worker who left farm
    work and counts as transferred when hired); search_mult (after-programme search multiplier);
    retire_month (statutory retirement month; farm workers: farm exit age); last_job_end (month the
    worker last left a non-farm job, NEVER if they have held none); priority (a searcher placed first
    in this month's matching: a programme placement, an intern the host keeps, a graduate with an offer);
    uid (a worker's number for the whole run: row indices change when the arrays are compacted);
    spell_start (month the current spell without work began: a course or an internship taken while
    unemployed does not end the spell, so returning from one does not make a searcher "new" again).
    """

    ARRAYS = {
        "area": np.int16, "birth": np.int32, "male": bool, "college": bool, "urban": bool,
        "rural_origin": bool, "skill": np.float64, "status": np.int8, "since": np.int32,
        "firm": np.int32, "until": np.int32, "post_kind": np.int8, "registered": bool, "hard": bool,
        "cert_draw": np.float64, "insured": bool, "ui_left": np.int16, "trained_until": np.int32,
        "entre_until": np.int32, "grad_month": np.int32, "transfer_pending": bool,
        "search_mult": np.float64, "retire_month": np.int32, "last_job_end": np.int32,
        "priority": bool, "uid": np.int64, "spell_start": np.int32,
    }

    def __init__(self, columns: dict[str, np.ndarray], counters: MonthCounters):
        n = len(columns["area"])
        self.next_uid = n
        self._set_columns(dict(columns, uid=np.arange(n)), "worker")
        self.counters = counters

    # -- membership ---------------------------------------------------------------------------
    def append(self, columns: dict[str, np.ndarray], month: int) -> np.ndarray:
        """Add new entrants (their `status` is where they enter); record them as entries. Returns their indices."""
        columns = dict(columns, uid=np.arange(self.next_uid, self.next_uid + len(columns["area"])))
        idx = self._append_columns(columns)
        self.next_uid += len(idx)
        c = self.counters
        to = self.status[idx].astype(np.int64)
        c.add_flows((self.area[idx].astype(np.int64) * N_SOURCES + ENTRY) * N_DESTINATIONS + to)
        entering_job = _IS_EMPLOYED[to] & self.urban[idx]
        c.urban_job_entries += np.bincount(self.area[idx][entering_job], minlength=c.n_areas)
        c.hires_first_job += np.bincount(self.area[idx][entering_job], minlength=c.n_areas)
        self.since[idx] = month
        return idx

    def compact(self, firms: "FirmPopulation") -> None:
        """Drop agents who have left (status GONE); keeps arrays short. Firm owners are re-indexed."""
        keep = self.status != GONE
        if keep.all():
            return
        new_index = np.cumsum(keep) - 1
        owner = firms.owner
        has_owner = owner >= 0
        owner_alive = np.zeros_like(has_owner)
        owner_alive[has_owner] = keep[owner[has_owner]]
        owner[has_owner & ~owner_alive] = -1
        has_owner = owner >= 0
        owner[has_owner] = new_index[owner[has_owner]]
        self._keep_rows(keep)

    # -- the one way statuses change --------------------------------------------------------
    def transition(self, idx: np.ndarray, destination: int | np.ndarray, month: int,
                   programme: bool = False, job_area: np.ndarray | None = None) -> None:
        """Move workers `idx` to `destination` (a status, or RETIRED/DIED/MIGRATED_OUT), recording the flow.

        `programme`: the move is a placement a programme makes or pays for (a loan-backed start-up
        of its borrower); entries into a subsidised post always are. `job_area`: the area of the job
        entered or left, where it differs from the residence (a firm in another city). Stocks and
        flows stay by residence, as the labour-force survey counts them; urban job entries and
        natural attrition are counted where the job is, as employment registration (就业登记, by
        the employer's locality) counts new urban jobs."""
        if len(idx) == 0:
            return
        src = self.status[idx].astype(np.int64)
        if np.any(src == GONE):
            raise RuntimeError("transition of a worker who has already left the population")
        area = self.area[idx].astype(np.int64)
        if np.ndim(destination) == 0:  # how the model calls it
            self._transition_to(idx, int(destination), month, programme, job_area, src, area)
            return
        # Several destinations: each group of workers in turn (the moves of different workers are
        # independent, and the counts they add are sums, so the order of the groups does not matter).
        dst = np.broadcast_to(np.asarray(destination, dtype=np.int64), src.shape)
        job_area = None if job_area is None else np.asarray(job_area, np.int64)
        for d in np.unique(dst):
            group = dst == d
            self._transition_to(idx[group], int(d), month, programme, None if job_area is None else job_area[group],
                                src[group], area[group])

    def _transition_to(self, idx: np.ndarray, dst: int, month: int, programme: bool,
                       job_area: np.ndarray | None, src: np.ndarray, area: np.ndarray) -> None:
        """`transition` of workers `idx` (statuses `src`, areas `area`) to one destination `dst`: its tests
        made once for all of them instead of per worker (the monthly hot path)."""
        c = self.counters
        c.add_flows((area * N_SOURCES + src) * N_DESTINATIONS + dst)
        was_emp = _IS_EMPLOYED[src]
        if _IS_EMPLOYED[dst]:
            entering = ~was_emp
            if entering.any():
                self._count_entries(idx, entering, area, job_area, dst == SUBSIDISED_POST or programme, month)
        else:
            self.last_job_end[idx[was_emp]] = month
            if dst == RETIRED or dst == DIED:
                attrition = was_emp & self.urban[idx]
                if attrition.any():
                    workplace = area if job_area is None else np.asarray(job_area, np.int64)
                    c.natural_attrition += np.bincount(workplace[attrition], minlength=c.n_areas)
        self.status[idx] = GONE if dst >= N_STATUS else dst
        self.since[idx] = month
        if dst == UNEMPLOYED:
            self.spell_start[idx[(src != IN_TRAINING) & (src != INTERNSHIP)]] = month
        # Leaving a job or a programme clears what belonged to it.
        if dst != EMPLOYED_FIRM and dst != SELF_EMPLOYED:
            self.firm[idx] = -1
        if dst != SUBSIDISED_POST:
            self.post_kind[idx] = POST_NONE

    def _count_entries(self, idx: np.ndarray, entering: np.ndarray, area: np.ndarray, job_area: np.ndarray | None,
                       placement: bool, month: int) -> None:
        """Entry into employment of idx[entering]: the moment re-employment, hard-to-employ placement and a
        pending rural transfer are counted. A transferred rural worker becomes an urban worker.
        `placement`: the entries are programme placements."""
        c = self.counters
        e, ea = idx[entering], area[entering]
        workplace = ea if job_area is None else np.asarray(job_area, np.int64)[entering]
        pending = self.transfer_pending[e]
        if pending.any():
            c.rural_transferred += np.bincount(ea[pending], minlength=c.n_areas)
            self.urban[e[pending]] = True
            self.transfer_pending[e[pending]] = False
        c.reemployment += np.bincount(ea[self.registered[e]], minlength=c.n_areas)
        c.hard_to_employ_placed += np.bincount(ea[self.hard[e]], minlength=c.n_areas)
        urban_e = self.urban[e]
        c.urban_job_entries += np.bincount(workplace[urban_e], minlength=c.n_areas)
        # Kind of entry: 0 first job, 1 re-hire in the same year, 2 other, 3 programme placement.
        last = self.last_job_end[e]
        kind = np.where(last == NEVER, 0, np.where(last // 12 == month // 12, 1, 2))
        kind[placement] = 3
        by_kind = np.bincount(workplace[urban_e] * 4 + kind[urban_e], minlength=c.n_areas * 4).reshape(c.n_areas, 4)
        c.hires_first_job += by_kind[:, 0]
        c.hires_rehire_same_year += by_kind[:, 1]
        c.hires_other += by_kind[:, 2]
        c.programme_placements += by_kind[:, 3]
        self.registered[e] = False
        self.hard[e] = False
        self.ui_left[e] = 0


class FirmPopulation(_ColumnArrays):
    """Firm agents as arrays; each stands for `scale` identical firms whose size equals its worker count.

    area, sector (0 industry, 1 services); demand: desired employment (worker agents);
    base_demand: incumbents' demand before the demand path; skill_req; loan_backed (started or expanded
    with a guaranteed loan); birth (month); owner (worker index of an owner-founder, or -1);
    entre_owner (owner entrepreneurship-trained); alive; displacement (loan-backed demand that
    displaced incumbents' demand, returned when the firm exits).
    """

    ARRAYS = {
        "area": np.int16, "sector": np.int8, "demand": np.float64, "base_demand": np.float64,
        "skill_req": np.float64, "loan_backed": bool, "birth": np.int32, "owner": np.int32,
        "entre_owner": bool, "alive": bool, "displacement": np.float64,
    }
    INDUSTRY, SERVICES = 0, 1

    def __init__(self, columns: dict[str, np.ndarray]):
        self._set_columns(columns, "firm")

    def append(self, columns: dict[str, np.ndarray]) -> np.ndarray:
        return self._append_columns(columns)
