"""The core of grassroots in Mesa 3.3: a speed comparison (docs/performance.md).

This is a *subset* of the model of docs/model.md, written idiomatically in
Mesa, to measure how fast an agent-based model of this kind runs in Python.
It implements these steps of the monthly schedule (§3.1, Table 1), in this
order, for every village:

   8. need arrival (§7.1), market growth off (M = 0);
  11. the members' effort choice (§7.3), with the chance of reward held at
      its set-up value (§7.4) and the score weights known as in force;
  12. service delivery (§7.2) with Π = 1 and funds off;
  13. household satisfaction and trust (§7.6);
  15. the members' contact views (§7.6);
  20. observation (§7.8): the sums and 100-bin histograms the engine tallies.

Step 6 (contact assignment, §7.16) is here too, behind its switch, off by
default as in the engine. Every other mechanism is omitted and its state held
constant: environment growth, migration, care, succession, leadership (L = 1),
funds, education, skill dynamics, supervision draws and sanctions, the
assessment and rewards, exemplary models, mutual help, innovation and the
county phase.

Why its speed very likely bounds a full Mesa version's from above. Each omitted
mechanism would be another pass over a village's households or members, with
draws. One omission makes this program do more work than the full model: with
no migration every member stays active, so the effort choice also runs for the
members who would be away or in difficulty (44 % of them in the final month of
the engine's baseline). Other omissions make it cheaper still: without funds,
migration, market growth and diversity, capacity is ample, few needs stay open
(0.013 per household, against about 0.5 in the baseline), and most are resolved
with certainty, without a draw. docs/performance.md also compares it with the
engine run on the same subset (the settings are in benches/mesa/README.md).

How it is written. It is written as Mesa models are written. Villages,
households and members are `mesa.Agent`s with methods. The model steps its
villages through `model.agents_by_type[Village].do("step", ...)`. Every random
number comes from the model's `self.random` (stdlib `random.Random`, seeded by
Mesa). It is NOT vectorised with numpy across agents: agents with their own
state and behaviour are what Mesa is for, and a model vectorised over arrays
would not use Mesa at all. Nor is it slowed down on purpose. State is plain
Python floats and ints, and hot loops use local variables. A village keeps its
households and members in plain lists and calls their methods directly: a
per-village `AgentSet.do` costs about twice as much per call, because it
follows weak references and looks the method up by name. Monthly totals are
collected by hand, not by a `DataCollector`, into `model.records` (one `Tally`
per month). They are summed village by village, as the engine sums its village
tallies. Agent reporters would store a row per agent and month instead of the
engine's sums.

Other differences from the engine:
- Draws come from one model stream, not one per village (§3.3).
- Arrivals are drawn as §7.1 draws them, one Poisson process of rate 1 along
  the village's households laid end to end (one exponential gap per need,
  `random.expovariate`).
- State is double precision, not f32.
- Needs resolved are not credited to members' records (there is no
  assessment).
- Set-up skips the draws that no kept mechanism reads (leadership talent,
  working age, M, D).

Usage: python grassroots_subset.py [--villages N] [--months M] [--seed S]
"""

import argparse
import math
import time

import mesa

# --- Parameters: the defaults of `grassroots params` (docs/model.md §8), and
# the village sizes of scenarios/province.toml. -------------------------------
HOUSEHOLDS_PER_VILLAGE = (100, 200)  # world.households_per_village, uniform
MEMBERS_PER_VILLAGE = (15, 35)  # world.members_per_village, uniform
SHARE_LEFT_BEHIND, SHARE_BUSINESS, SHARE_DIFFICULTY = 0.25, 0.10, 0.10
CONTACT_COVERAGE = 0.60  # world.contact_coverage
MOTIVATION_MEAN, MOTIVATION_SD = 0.50, 0.15
SKILL_MEAN, SKILL_SD = 0.50, 0.15
INITIAL_SATISFACTION, INITIAL_TRUST = 0.50, 0.50

NEED_RATE = 0.10  # λ, environment.need_rate (M = 0: no market growth term)
MULTIPLIERS = (1.0, 1.5, 1.3, 2.0)  # m_k: ordinary, left-behind, business, difficulty
ABANDON_RATE = 0.15  # a

NEEDS_PER_MEMBER_MONTH = 8.0  # κ
UNCOVERED_EFFICIENCY = 0.50  # η

SATISFACTION_RATE, TRUST_RATE, VISIT_WEIGHT = 0.20, 0.05, 0.50  # α_S, α_T, γ

INTRINSIC_VALUE = 1.0  # v
PRIVATE_RETURN = 0.80  # π
ADJUSTMENT_RATE = 0.30  # λ (habit)
NOISE = 0.10  # σ
ELASTICITY = 0.50  # ε
MANDATED_FORMAL = 0.10  # m₀

W_FORMAL, W_OUTCOME, W_MASS, W_ECONOMIC = 0.60, 0.30, 0.10, 0.0  # known weights w̃
REWARD_SHARE = 0.20  # rank rule: P_i before the first assessment
REWARD_VALUE = 0.30 + 0.20 + 0.10  # ρ = material + political + spiritual
CONTEST_NOISE = 0.10  # K_R

INSPECTION_RATE = 0.03  # I(t), no campaign
SEES_FORMALISM = 0.30  # χ
MASS_SUPERVISION = 0.05  # μ
REPORT_THRESHOLD = 2  # M
SANCTION = 0.50  # f
RECORDS_CHECK = 0.50  # r_C

CONTACT_ASSIGNMENT = False  # service_team.contact_assignment (off by default)
MAX_HOUSEHOLDS_PER_MEMBER = 15

# Household types, in the order of Table 2.
ORDINARY, LEFT_BEHIND, BUSINESS, DIFFICULTY = 0, 1, 2, 3
# λ·m_k: a household's monthly need rate, its interval's length along the
# village's arrival process (§7.1).
RATES = tuple(NEED_RATE * m for m in MULTIPLIERS)
# Table 2 as cumulative shares of production, livelihood, dispute (policy: the rest).
CUMULATIVE_MIX = (
    (0.40, 0.70, 0.85),  # ordinary
    (0.10, 0.70, 0.80),  # left-behind
    (0.60, 0.70, 0.80),  # business
    (0.15, 0.75, 0.85),  # in difficulty
)
BINS = 100  # histogram bins over [0, 1] (§7.8)


def mandated_formal():
    """m(t), eq. 7.3.0: mandated meetings; education, campaigns and joint
    committee meetings are off (their terms are 0)."""
    return min(1.0, MANDATED_FORMAL)


def poisson_tail(mean, k):
    """P(X ≥ k) for X ~ Poisson(mean) (eq. 7.3.3)."""
    if k == 0:
        return 1.0
    if mean <= 0.0:
        return 0.0
    term = below = math.exp(-mean)
    for j in range(1, k):
        term *= mean / j
        below += term
    return min(1.0, max(0.0, 1.0 - below))


def effort_weight(a, z):
    """(max(A, 0)·exp(σ·z))^ε, eq. 7.3.4, computed as exp(ε·(ln A + σ·z)),
    or as √A·exp(σ·z/2) at ε = ½; 0 when A ≤ 0."""
    if a <= 0.0:
        return 0.0
    if ELASTICITY == 0.5:
        return math.sqrt(a) * math.exp(0.5 * NOISE * z)
    return math.exp(ELASTICITY * (math.log(a) + NOISE * z))


class Tally:
    """The county's sums for one month (§7.8), added village by village."""

    def __init__(self):
        self.households = self.covered = self.backlog = self.left_behind = 0
        self.satisfaction = self.trust = self.expectation = 0.0
        self.satisfaction_hist = [0] * BINS
        self.trust_hist = [0] * BINS
        self.active_members = 0
        self.real_effort = self.formal_effort = self.private_effort = 0.0
        self.motivation = self.skill = self.capacity = 0.0
        self.needs_arrived = self.needs_resolved = self.needs_abandoned = 0


class Household(mesa.Agent):
    """A household: its type, open needs by category, contact, S, T, E (§2)."""

    def __init__(self, model, kind):
        super().__init__(model)
        self.kind = kind
        self.open_needs = [0, 0, 0, 0]  # by category, Table 2 order
        self.n_open = 0  # their total
        self.resolved = 0  # r, this month
        self.abandoned = 0  # a, this month
        self.contact = None  # the contact Member, or None (a coverage gap)
        self.satisfaction = INITIAL_SATISFACTION  # S
        self.trust = INITIAL_TRUST  # T
        self.expectation = 1.0  # E (no growth, §7.9 omitted)

    def receive_needs(self, gap, next_gap):
        """§7.1: the points of the village's arrival process (rate 1, along
        its households laid end to end) that fall in this household's
        interval of length λ·m_k, `gap` being the distance from the start of
        the interval to the next point. Each point is a need of the category
        whose part of the interval holds it (Table 2). Returns the distance
        from the end of the interval to the next point, and the needs."""
        length = RATES[self.kind]
        if gap >= length:
            return gap - length, 0
        cum = CUMULATIVE_MIX[self.kind]
        needs = self.open_needs
        k = 0
        while gap < length:
            u = gap / length
            needs[0 if u < cum[0] else 1 if u < cum[1] else 2 if u < cum[2] else 3] += 1
            k += 1
            gap += next_gap(1.0)
        self.n_open += k
        return gap - length, k

    def resolve(self, q):
        """§7.2: each open need draws one uniform u: resolved if u < q, given
        up if u < q + (1 − q)·a, else stays open (certain when q = 1)."""
        needs = self.open_needs
        if q >= 1.0:
            resolved, abandoned = self.n_open, 0
            needs[:] = [0, 0, 0, 0]
        else:
            rand = self.random.random
            give_up = q + (1.0 - q) * ABANDON_RATE
            resolved = abandoned = 0
            for c in range(4):
                n = needs[c]
                if n:
                    kept = 0
                    for _ in range(n):
                        u = rand()
                        if u < q:
                            resolved += 1
                        elif u < give_up:
                            abandoned += 1
                        else:
                            kept += 1
                    needs[c] = kept
        self.resolved = resolved
        self.abandoned = abandoned
        self.n_open -= resolved + abandoned

    def update_satisfaction(self):
        """Eqs. 7.6.1–7.6.3: experience, satisfaction (months with needs),
        then trust; V = √e_R of the contact (the visit)."""
        r = self.resolved
        unmet = self.n_open + self.abandoned
        s = self.satisfaction
        if r + unmet > 0:
            contact = self.contact
            gv = VISIT_WEIGHT * contact.real_output if contact is not None else 0.0
            x = (r + gv) / (r + unmet + gv)  # 7.6.1
            felt = min(1.0, x / self.expectation)
            s = min(1.0, max(0.0, s + SATISFACTION_RATE * (felt - s)))  # 7.6.2
            self.satisfaction = s
        self.trust = min(1.0, max(0.0, self.trust + TRUST_RATE * (s - self.trust)))  # 7.6.3


class Member(mesa.Agent):
    """A party member: skill, motivation, effort split, contact load and views (§2)."""

    def __init__(self, model, skill, motivation):
        super().__init__(model)
        self.skill = skill  # s
        self.motivation = motivation  # θ
        self.reward_chance = REWARD_SHARE  # P_i, held at its set-up value (§7.4)
        self.assigned = 0  # n_i
        self.contact_trust = INITIAL_TRUST  # T̄_i (§5)
        self.contact_satisfaction = INITIAL_SATISFACTION  # S̄_i
        self.unmet_share = 0.5  # u_i
        # Effort split; (0, 0, 1) is the placeholder of the set-up's detection terms (§5).
        self.real, self.formal, self.private = 0.0, 0.0, 1.0
        self.real_output = self.formal_output = 0.0  # √e_R, √e_F
        self.capacity = 0.0  # c_i
        self.backlog = 0  # B_i
        self.q = 0.0  # q_i
        self.views = [0.0, 0.0, 0]  # this month's Σ trust, Σ satisfaction, unmet count

    def marginal_values(self, inspection):
        """(A_R, A_F, A_P), eq. 7.3.2, with the detection terms of eq. 7.3.3."""
        chance = self.reward_chance
        rho = REWARD_VALUE * chance * (1.0 - chance) / CONTEST_NOISE  # ρ_i, eq. 7.4.4
        reports = self.assigned * MASS_SUPERVISION * self.contact_trust * self.unmet_share
        p_mass = poisson_tail(reports, REPORT_THRESHOLD)  # P_M,i
        not_mass = 1.0 - p_mass
        d_s = 1.0 - (1.0 - inspection * (1.0 - RECORDS_CHECK * self.formal_output)) * not_mass
        d_f = 1.0 - (1.0 - SEES_FORMALISM * inspection) * not_mass
        shield = inspection * RECORDS_CHECK * (1.0 - self.real_output) * not_mass  # R_i
        skill = self.skill
        a_r = (INTRINSIC_VALUE * self.motivation * skill
               + rho * (W_OUTCOME + W_MASS) * skill + SANCTION * d_s)
        a_f = rho * W_FORMAL - SANCTION * d_f + SANCTION * shield
        a_p = PRIVATE_RETURN + rho * W_ECONOMIC
        return a_r, a_f, a_p

    def target_split(self, mandated, inspection, z_r=0.0, z_f=0.0, z_p=0.0):
        """(e*_R, e*_F): the discretionary time split by the weights of eq.
        7.3.4 (noises z_k), then the mandated time added (eq. 7.3.5)."""
        a_r, a_f, a_p = self.marginal_values(inspection)
        w_r, w_f, w_p = effort_weight(a_r, z_r), effort_weight(a_f, z_f), effort_weight(a_p, z_p)
        total = w_r + w_f + w_p
        if total > 0.0:
            d_r, d_f = w_r / total, w_f / total
        else:
            d_r, d_f = 0.0, 0.0  # every A_k ≤ 0: all private
        free = 1.0 - mandated
        return free * d_r, mandated + free * d_f

    def set_split(self, real, formal):
        """Take the split (e_R, e_F, e_P = 1 − e_R − e_F) and its outputs √e_R, √e_F."""
        self.real, self.formal = real, formal
        self.private = max(0.0, 1.0 - real - formal)
        self.real_output = math.sqrt(max(0.0, real))
        self.formal_output = math.sqrt(max(0.0, formal))

    def choose_effort(self, mandated, inspection):
        """§7.3: three noises, the noisy target, a share λ of the way (habit),
        then the mandate binds at once (eq. 7.3.6)."""
        if NOISE > 0.0:
            gauss = self.random.gauss
            t_r, t_f = self.target_split(mandated, inspection, gauss(), gauss(), gauss())
        else:
            t_r, t_f = self.target_split(mandated, inspection)
        real = self.real + ADJUSTMENT_RATE * (t_r - self.real)
        formal = self.formal + ADJUSTMENT_RATE * (t_f - self.formal)
        if formal < mandated:  # 7.3.6: e_R and e_P scaled to keep their ratio
            rest = real + max(0.0, 1.0 - real - formal)
            real = real * (1.0 - mandated) / rest if rest > 0.0 else 0.0
            formal = mandated
        self.set_split(real, formal)

    def set_capacity(self, productivity):
        """c_i = κ·Π·s_i·√e_R, eq. 7.2.1 (no training or mutual-help time)."""
        self.capacity = NEEDS_PER_MEMBER_MONTH * productivity * self.skill * self.real_output
        self.backlog = 0
        return self.capacity

    def set_chance(self):
        """q_i = min(1, c_i/B_i), 0 without open needs (eq. 7.2.2); returns
        the spare capacity max(0, c_i − B_i) for the pool."""
        b = self.backlog
        self.q = min(1.0, self.capacity / b) if b > 0 else 0.0
        return max(0.0, self.capacity - b)

    def update_views(self, branch_mean):
        """T̄_i, S̄_i, u_i (§7.6): means over the member's households, or 0, the
        branch's mean satisfaction and 0 for a member without any."""
        n = self.assigned
        trust, satisfaction, unmet = self.views
        if n > 0:
            self.contact_trust = trust / n
            self.contact_satisfaction = satisfaction / n
            self.unmet_share = unmet / n
        else:
            self.contact_trust, self.contact_satisfaction, self.unmet_share = 0.0, branch_mean, 0.0
        self.views = [0.0, 0.0, 0]


class Village(mesa.Agent):
    """A village with its branch: households, members, Π; runs the month."""

    def __init__(self, model):
        super().__init__(model)
        rand = self.random.random
        gauss = self.random.gauss
        # §5 item 1: integer uniform counts, a + ⌊U·(b − a + 1)⌋.
        lo, hi = HOUSEHOLDS_PER_VILLAGE
        n_households = lo + int(rand() * (hi - lo + 1))
        lo, hi = MEMBERS_PER_VILLAGE
        n_members = lo + int(rand() * (hi - lo + 1))
        # §5 item 2: type from one uniform against the cumulative shares;
        # contact with probability contact_coverage, round-robin over members.
        c1 = SHARE_LEFT_BEHIND
        c2 = c1 + SHARE_BUSINESS
        c3 = c2 + SHARE_DIFFICULTY
        self.households = []
        contacts = []
        covered = 0
        for _ in range(n_households):
            u = rand()
            kind = LEFT_BEHIND if u < c1 else BUSINESS if u < c2 else DIFFICULTY if u < c3 else ORDINARY
            self.households.append(Household(model, kind))
            if rand() < CONTACT_COVERAGE:
                contacts.append(covered % n_members)
                covered += 1
            else:
                contacts.append(None)
        # §5 item 3: skill, then motivation, normal and clamped to [0, 1].
        self.members = []
        for _ in range(n_members):
            skill = min(1.0, max(0.0, gauss(SKILL_MEAN, SKILL_SD)))
            motivation = min(1.0, max(0.0, gauss(MOTIVATION_MEAN, MOTIVATION_SD)))
            self.members.append(Member(model, skill, motivation))
        for h, k in zip(self.households, contacts):
            if k is not None:
                h.contact = self.members[k]
                h.contact.assigned += 1
        # Π (eq. 7.2.0) with L = 1, no platform, no innovation, D = 0.
        self.productivity = 1.0
        # §5 item 5: the noiseless best split under I(0), from the placeholder (0, 0, 1).
        mandated = mandated_formal()
        for m in self.members:
            m.set_split(*m.target_split(mandated, INSPECTION_RATE))

    def step(self, tally):
        """One month of the kept steps of Table 1, in its order."""
        if CONTACT_ASSIGNMENT:  # step 6
            self.assign_contacts()
        arrived = 0
        next_gap = self.random.expovariate
        gap = next_gap(1.0)
        for h in self.households:  # step 8
            gap, k = h.receive_needs(gap, next_gap)
            arrived += k
        tally.needs_arrived += arrived
        mandated = mandated_formal()
        for m in self.members:  # step 11 (every member is active)
            m.choose_effort(mandated, INSPECTION_RATE)
        self.deliver(tally)  # step 12
        for h in self.households:  # step 13
            h.update_satisfaction()
        self.refresh_contact_views()  # step 15
        self.observe(tally)  # step 20

    def assign_contacts(self):
        """§7.16: each household without a contact, in order, gets the member
        with the fewest households (lowest index on ties), if below the cap."""
        for h in self.households:
            if h.contact is None:
                m = min(self.members, key=lambda m: m.assigned)  # first minimum
                if m.assigned >= MAX_HOUSEHOLDS_PER_MEMBER:
                    break
                h.contact = m
                m.assigned += 1

    def deliver(self, tally):
        """§7.2: capacities, each contact's chance q_i, the pooled spare
        capacity's chance q_0 for the uncovered, then each household's needs."""
        capacity = 0.0
        for m in self.members:
            capacity += m.set_capacity(self.productivity)
        uncovered = 0  # B_0
        for h in self.households:
            h.resolved = h.abandoned = 0
            n = h.n_open
            if n:
                if h.contact is None:
                    uncovered += n
                else:
                    h.contact.backlog += n  # B_i
        spare = 0.0
        for m in self.members:
            spare += m.set_chance()
        q0 = min(1.0, UNCOVERED_EFFICIENCY * spare / uncovered) if uncovered else 0.0  # 7.2.3
        resolved = abandoned = 0
        for h in self.households:
            if h.n_open:
                contact = h.contact
                h.resolve(q0 if contact is None else contact.q)
                resolved += h.resolved
                abandoned += h.abandoned
        tally.capacity += capacity
        tally.needs_resolved += resolved
        tally.needs_abandoned += abandoned

    def refresh_contact_views(self):
        """§7.6: each member's sums over their households, in one pass that
        also sums the branch's satisfaction; then the means."""
        total = 0.0
        for h in self.households:
            s = h.satisfaction
            total += s
            contact = h.contact
            if contact is not None:
                views = contact.views
                views[0] += h.trust
                views[1] += s
                if h.n_open or h.abandoned:
                    views[2] += 1
        branch_mean = total / len(self.households)
        for m in self.members:
            m.update_views(branch_mean)

    def observe(self, tally):
        """§7.8: the village's sums, added to the county's tally."""
        covered = backlog = left_behind = 0
        satisfaction = trust = expectation = 0.0
        s_hist, t_hist = tally.satisfaction_hist, tally.trust_hist
        for h in self.households:
            s, t = h.satisfaction, h.trust
            covered += h.contact is not None
            backlog += h.n_open
            left_behind += h.kind == LEFT_BEHIND
            satisfaction += s
            trust += t
            expectation += h.expectation
            s_hist[min(BINS - 1, int(s * BINS))] += 1
            t_hist[min(BINS - 1, int(t * BINS))] += 1
        tally.households += len(self.households)
        tally.covered += covered
        tally.backlog += backlog
        tally.left_behind += left_behind
        tally.satisfaction += satisfaction
        tally.trust += trust
        tally.expectation += expectation
        real = formal = private = motivation = skill = 0.0
        for m in self.members:
            real += m.real
            formal += m.formal
            private += m.private
            motivation += m.motivation
            skill += m.skill
        tally.active_members += len(self.members)
        tally.real_effort += real
        tally.formal_effort += formal
        tally.private_effort += private
        tally.motivation += motivation
        tally.skill += skill


class GrassrootsSubset(mesa.Model):
    """A county of villages; `records` holds one Tally per month."""

    def __init__(self, villages=200, seed=1):
        super().__init__(seed=seed)
        self.records = []
        for _ in range(villages):
            Village(self)

    def step(self):
        tally = Tally()
        self.agents_by_type[Village].do("step", tally)  # villages in order
        self.records.append(tally)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--villages", type=int, default=200)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if args.villages < 1 or args.months < 1:
        parser.error("--villages and --months must be at least 1")

    start = time.perf_counter()
    model = GrassrootsSubset(villages=args.villages, seed=args.seed)
    setup = time.perf_counter() - start
    start = time.perf_counter()
    for _ in range(args.months):
        model.step()
    simulation = time.perf_counter() - start

    households = len(model.agents_by_type[Household])
    steps = households * args.months
    last = model.records[-1]
    print(f"mesa_version: {mesa.__version__}")
    print(f"villages: {args.villages}")
    print(f"households: {households}")
    print(f"months: {args.months}")
    print(f"household_steps: {steps}")
    print(f"setup_seconds: {setup:.3f}")
    print(f"simulation_seconds: {simulation:.3f}")
    print(f"household_steps_per_sec: {steps / (setup + simulation):.0f}")
    print(f"final_mean_satisfaction: {last.satisfaction / last.households:.4f}")
    print(f"final_backlog_per_household: {last.backlog / last.households:.4f}")
    print(f"final_real_effort: {last.real_effort / last.active_members:.4f}")


if __name__ == "__main__":
    main()
