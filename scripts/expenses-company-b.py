#!/usr/bin/env python3
"""A second synthetic company for the expense benchmark, written independently of
`mishu expenses synth` (anomaly/src/synth.rs) so the review is measured on habits it was
not built around: a logistics firm with its own limits and categories in use, monthly
batch submitters, frequent travellers who sit at the hotel cap, new joiners with a few
weeks of history, seasonal peaks (year-end entertainment, spring trade fairs), claims in
foreign currencies, and amounts drawn from gamma distributions rather than log-normals.

Writes OUT/history.csv (normal claims), OUT/new.csv (with `label`: `normal` or the
reason code of the injected anomaly) and OUT/policy.toml (the company's policy).

Usage: scripts/expenses-company-b.py --out-dir DIR [--seed 7] [--employees 150]
"""
import datetime as dt, os, random, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from expenses_company import main as run, workday, write_policy  # noqa: E402

HISTORY_START = dt.date(2025, 3, 1)
NEW_START = dt.date(2026, 9, 14)
NEW_END = dt.date(2026, 10, 24)  # exclusive

LIMITS = {"meals": 800, "entertainment": 4000, "taxi": 400, "travel": 6000, "hotel": 3200,
          "airfare": 12000, "office_supplies": 2000, "training": 15000, "telecom": 900, "other": 2000}
PER_HEAD = {"meals": 400, "entertainment": 1000}
MANAGER_THRESHOLD = 7000
LATE_DAYS = 45
FX = {"HKD": 1.0, "USD": 7.8, "CNY": 1.08, "SGD": 5.8, "JPY": 0.052}
# Non-weekend Hong Kong general holidays in the years covered (gazette).
HOLIDAYS = {dt.date(*d) for d in [
    (2025, 4, 4), (2025, 4, 18), (2025, 4, 21), (2025, 5, 1), (2025, 5, 5), (2025, 7, 1),
    (2025, 10, 1), (2025, 10, 7), (2025, 10, 29), (2025, 12, 25), (2025, 12, 26),
    (2026, 1, 1), (2026, 2, 17), (2026, 2, 18), (2026, 2, 19), (2026, 4, 3), (2026, 4, 6),
    (2026, 4, 7), (2026, 5, 1), (2026, 5, 25), (2026, 6, 19), (2026, 7, 1), (2026, 10, 1),
    (2026, 10, 19)]}

# Per category: gamma shape, mean in HKD, merchants.
CATS = {
    "meals": (4.0, 190, ["Tsui Wah", "Maxim's Palace", "Café de Coral", "Pacific Coffee", "Lung King Heen",
                         "Mak's Noodle", "Ho Lee Fook", "Yat Lok", "Kam's Roast Goose", "Crystal Jade"]),
    "entertainment": (3.0, 1400, ["Jockey Club", "The Peak Lookout", "Duddell's", "Hutong", "Aqua",
                                  "Sevva", "Mott 32"]),
    "taxi": (3.5, 95, ["HKTaxi", "Uber", "Didi", "Citybus Airport", "Kowloon Taxi"]),
    "travel": (2.5, 1300, ["MTR Intercity", "Turbojet", "Cotai Water Jet", "Hertz", "Trip.com"]),
    "hotel": (6.0, 1900, ["Marriott", "Hyatt", "Shangri-La", "Holiday Inn", "Novotel", "Ibis"]),
    "airfare": (3.0, 4200, ["Cathay Pacific", "HK Express", "Singapore Airlines", "ANA", "China Southern"]),
    "office_supplies": (2.0, 260, ["Commercial Press", "Muji", "Fortress", "Broadway", "Officemax HK"]),
    "training": (3.0, 3800, ["HKU SPACE", "HKPC", "Coursera", "CUHK Extension"]),
    "telecom": (12.0, 420, ["CSL", "SmarTone", "3HK", "China Mobile HK"]),
    "other": (2.0, 280, ["SF Express", "Kerry Logistics", "Post Office", "Watsons", "Mannings"]),
}
ODD_MERCHANTS = ["Lucky Star Karaoke", "Golden Dragon Massage", "Sunrise Jewellery", "Ocean Park Tickets",
                 "Prestige Watches", "Bet365"]

# Department: headcount share and category weights.
DEPARTMENTS = {
    "operations": (0.30, {"meals": 4, "taxi": 5, "office_supplies": 1, "other": 2, "telecom": 1}),
    "sales": (0.22, {"meals": 6, "entertainment": 2, "taxi": 4, "travel": 1, "hotel": 1, "airfare": 0.5, "telecom": 1}),
    "procurement": (0.12, {"meals": 3, "travel": 2, "hotel": 2, "airfare": 1.2, "taxi": 2, "telecom": 1}),
    "finance": (0.10, {"meals": 3, "taxi": 1, "office_supplies": 1, "training": 0.3, "telecom": 0.5}),
    "technology": (0.14, {"meals": 3, "taxi": 1, "office_supplies": 2, "training": 0.5, "telecom": 1, "other": 1}),
    "people": (0.07, {"meals": 3, "training": 0.6, "entertainment": 0.3, "office_supplies": 1}),
    "executive": (0.05, {"meals": 4, "entertainment": 3, "travel": 1, "hotel": 1, "airfare": 1, "taxi": 3}),
}


class Person:
    pass


def hire(rng, n):
    people = []
    names = list(DEPARTMENTS)
    shares = [DEPARTMENTS[d][0] for d in names]
    for i in range(n):
        p = Person()
        p.id = f"HL{i + 1:04d}"
        p.dept = rng.choices(names, shares)[0]
        weights = dict(DEPARTMENTS[p.dept][1])
        for c in list(weights):  # personal taste: some drop a category, others lean on it
            weights[c] *= rng.choice([0, 0.5, 1, 1, 1.5, 2.5]) if len(weights) > 2 else 1
        p.weights = {c: w for c, w in weights.items() if w > 0} or {"meals": 1}
        p.style = rng.choices(["steady", "batch", "traveller", "late_joiner"], [0.5, 0.25, 0.12, 0.13])[0]
        if p.style == "traveller":
            for c, w in (("hotel", 3), ("airfare", 1.5), ("travel", 2), ("meals", 4)):
                p.weights[c] = p.weights.get(c, 0) + w
        p.scale = {c: rng.lognormvariate(0, 0.3) for c in CATS}
        p.rate = rng.uniform(0.25, 0.9)  # claims per working day
        p.start = HISTORY_START
        if p.style == "late_joiner":
            p.start = NEW_START - dt.timedelta(days=rng.randint(20, 75))
        p.merchants = {c: rng.sample(CATS[c][2], min(3, len(CATS[c][2]))) for c in CATS}
        p.attendee_habit = rng.choice([1, 2, 2, 3, 4])
        # Some people's hotel or meal bills habitually land on the cap (they pay the rest).
        p.capped = rng.random() < 0.15
        p.weekend_worker = p.dept in ("operations", "sales") and rng.random() < 0.3
        people.append(p)
    return people


def season(day, cat):
    if cat == "entertainment" and day.month == 12:
        return 2.2
    if cat in ("travel", "hotel", "airfare") and day.month in (3, 4, 10):
        return 1.8  # trade fairs
    if day.month == 2 and day.day < 20:
        return 0.6  # Lunar New Year lull
    return 1.0


def amount_for(rng, p, cat, day):
    shape, mean, _ = CATS[cat]
    a = rng.gammavariate(shape, mean * p.scale[cat] / shape)
    if cat == "telecom":
        a = round(mean * p.scale[cat] / 10) * 10 + rng.choice([0, 0, 0, 38, 68])  # a monthly plan
    limit = LIMITS[cat]
    if a > limit:
        a = limit if p.capped or rng.random() < 0.5 else limit * rng.uniform(0.7, 0.95)
    return max(12.0, round(a, 1))


def submitted(rng, p, day):
    if p.style == "batch":  # the whole month's receipts on the first days of the next
        first = (day.replace(day=28) + dt.timedelta(days=5)).replace(day=1)
        sub = first + dt.timedelta(days=rng.randint(0, 4))
    else:
        sub = day + dt.timedelta(days=min(int(rng.expovariate(1 / 5)), 40))
    hour = rng.randint(9, 21)
    return sub, f"{sub.isoformat()}T{hour:02d}:{rng.randint(0, 59):02d}:00+08:00"


class Gen:
    def __init__(self, seed, n):
        self.rng = random.Random(seed)
        self.people = hire(self.rng, n)
        self.next_id = 1
        self.next_invoice = 500000

    def claim(self, p, cat, day, amount=None, merchant=None):
        rng = self.rng
        _, sub = submitted(rng, p, day)
        currency, amt = "HKD", amount if amount is not None else amount_for(rng, p, cat, day)
        if p.style == "traveller" and cat in ("hotel", "meals", "taxi") and rng.random() < 0.3 and amount is None:
            currency = rng.choice(["USD", "CNY", "SGD", "JPY"])
            amt = round(amt / FX[currency], 2 if currency != "JPY" else 0)
        attendees = ""
        if cat in ("meals", "entertainment"):
            hkd = amt * FX[currency]
            need = int(hkd // PER_HEAD[cat]) + 1
            attendees = str(max(p.attendee_habit, need) if rng.random() < 0.9 else need + 1)
        invoice = ""
        if rng.random() < 0.6:
            self.next_invoice += rng.randint(1, 40)
            invoice = f"INV/{day.year}/{self.next_invoice}"
        c = {"claim_id": f"HLX-{self.next_id:07d}", "employee_id": p.id, "department": p.dept,
             "category": cat, "merchant": merchant or rng.choice(p.merchants[cat]), "amount": f"{amt:.2f}",
             "currency": currency, "expense_date": day.isoformat(), "submitted_at": sub,
             "description": f"{cat.replace('_', ' ')} for {p.dept}", "invoice_no": invoice,
             "attendees": attendees}
        self.next_id += 1
        return c

    def normal(self, start, end):
        rng, out = self.rng, []
        day = start
        last_bill = {}  # (person, category) -> the last day or month a once-only bill was claimed
        while day < end:
            for p in self.people:
                if day < p.start:
                    continue
                off = day.weekday() >= 5 or day in HOLIDAYS
                if off and not p.weekend_worker:
                    if p.style != "traveller" or rng.random() > 0.25:
                        continue
                rate = p.rate * (0.35 if off else 1.0)
                while rng.random() < rate:
                    rate *= 0.45
                    cats = list(p.weights)
                    cat = rng.choices(cats, [p.weights[c] * season(day, c) for c in cats])[0]
                    if off and p.style == "traveller" and not p.weekend_worker and cat not in ("travel", "hotel", "airfare"):
                        continue
                    # One hotel night or flight a day; one phone bill a month.
                    once = {"hotel": day, "airfare": day, "telecom": (day.year, day.month)}.get(cat)
                    if once is not None:
                        if last_bill.get((p.id, cat)) == once:
                            continue
                        last_bill[(p.id, cat)] = once
                    out.append(self.claim(p, cat, day))
            day += dt.timedelta(days=1)
        return out

    def workday(self, lo=NEW_START, hi=NEW_END):
        return workday(self.rng, lo, hi, HOLIDAYS)

    def anomalies(self, history, per_kind):
        rng, out = self.rng, []
        by_person = {}
        for c in history:
            by_person.setdefault(c["employee_id"], []).append(c)
        seasoned = [p for p in self.people if p.style in ("steady", "batch") and len(by_person.get(p.id, [])) > 60]

        def hkd(c):
            return float(c["amount"]) * FX[c["currency"]]

        def usual(p, cat):
            xs = sorted(hkd(c) for c in by_person[p.id] if c["category"] == cat)
            return xs[len(xs) // 2] if len(xs) >= 8 else None

        def never_near(p):
            return not any(c for c in by_person[p.id] if hkd(c) >= 0.95 * LIMITS[c["category"]])

        for _ in range(per_kind):
            p = rng.choice([q for q in seasoned if not q.weekend_worker])
            # Limit gaming: a series of 3-5 claims each 0.5-3% under the limit.
            cands = [q for q in seasoned if never_near(q) and q.weights.get("meals", 0) > 0]
            g = rng.choice(cands)
            cat = "meals" if rng.random() < 0.6 else rng.choice([c for c in ("taxi", "office_supplies", "other", "meals") if c in g.weights] or ["meals"])
            n = rng.randint(3, 5)
            first = self.workday(NEW_START, NEW_END - dt.timedelta(days=20))
            days = sorted({first + dt.timedelta(days=rng.randint(0, 20)) for _ in range(n)})
            for d in days:
                amt = round(LIMITS[cat] * (1 - rng.uniform(0.005, 0.03)), 1)
                out.append((self.claim(g, cat, d, amount=amt), "NEAR_LIMIT"))
            # Inflated: 2-10x the person's usual, still under the limit.
            for _tries in range(50):
                q = rng.choice(seasoned)
                cat = rng.choice(list(q.weights))
                u = usual(q, cat)
                if u and u * 2.0 < LIMITS[cat] * 0.9:
                    break
            factor = rng.uniform(2.0, min(10.0, LIMITS[cat] * 0.9 / u))
            out.append((self.claim(q, cat, self.workday(), amount=round(u * factor, 1)), "UNUSUAL_AMOUNT"))
            # Duplicate: an earlier claim again, sometimes retyped.
            orig = dict(rng.choice([c for c in history if c["expense_date"] >= (NEW_START - dt.timedelta(days=40)).isoformat()]))
            orig["claim_id"] = f"HLX-{self.next_id:07d}"
            self.next_id += 1
            if rng.random() < 0.5:
                orig["invoice_no"] = ""
                orig["merchant"] = orig["merchant"].upper() + " LIMITED"
            orig["submitted_at"] = f"{self.workday().isoformat()}T10:15:00+08:00"
            out.append((orig, "DUPLICATE"))
            # Split: one bill in two or three parts, same day, same merchant.
            cat = rng.choice(["meals", "entertainment", "office_supplies"])
            cap = min(LIMITS[cat], MANAGER_THRESHOLD)
            total = cap * rng.uniform(1.1, 1.8)
            parts = rng.choice([2, 3])
            d, m = self.workday(), rng.choice(p.merchants[cat])
            cuts = sorted(rng.uniform(0.3, 0.7) for _ in range(parts - 1))
            shares = [b - a for a, b in zip([0] + cuts, cuts + [1])] if parts == 2 else [1 / 3 + rng.uniform(-0.05, 0.05) for _ in range(2)]
            if parts == 3:
                shares.append(1 - sum(shares))
            for s in shares:
                out.append((self.claim(p, cat, d, amount=round(min(total * s, cap * 0.99), 1), merchant=m), "SPLIT_CLAIM"))
            # Weekend and holiday meals by someone who never works them.
            d = NEW_START + dt.timedelta(days=(5 - NEW_START.weekday()) % 7 + 7 * rng.randint(0, 4))
            out.append((self.claim(p, "meals", d), "WEEKEND"))
            d = rng.choice([h for h in sorted(HOLIDAYS) if NEW_START <= h < NEW_END])
            out.append((self.claim(p, rng.choice(["meals", "taxi"]), d), "HOLIDAY"))
            # A category this person and their department never claim.
            q = rng.choice([x for x in seasoned if "entertainment" not in x.weights and not x.weekend_worker] or seasoned)
            out.append((self.claim(q, rng.choice(["entertainment", "training"]) if "training" not in q.weights else "entertainment", self.workday()), "UNUSUAL_CATEGORY"))
            # A merchant nobody at the company has used.
            out.append((self.claim(p, rng.choice(["meals", "other"]), self.workday(), merchant=rng.choice(ODD_MERCHANTS)), "UNUSUAL_MERCHANT"))
            # Round amounts in categories that are never round.
            cat = rng.choice(["meals", "other", "office_supplies"])
            out.append((self.claim(p, cat, self.workday(), amount=float(rng.choice([300, 400, 500, 600, 700]))), "ROUND_AMOUNT"))
            # Late: months after the expense.
            d = self.workday(NEW_START - dt.timedelta(days=200), NEW_START - dt.timedelta(days=LATE_DAYS + 5))
            c = self.claim(p, rng.choice(["meals", "taxi"]), d)
            c["submitted_at"] = f"{self.workday().isoformat()}T16:40:00+08:00"
            out.append((c, "LATE_SUBMISSION"))
            # Over the per-head or per-claim limit.
            cat = rng.choice(["meals", "taxi", "hotel"])
            c = self.claim(p, cat, self.workday(), amount=round(LIMITS[cat] * rng.uniform(1.05, 1.6), 1))
            if cat == "meals":
                c["attendees"] = "1"
            out.append((c, "OVER_LIMIT"))
        return out


def generate(seed, employees, per_kind):
    g = Gen(seed, employees)
    history = g.normal(HISTORY_START, NEW_START)
    new = [dict(c, label="normal") for c in g.normal(NEW_START, NEW_END)]
    for c, label in g.anomalies(history, per_kind):
        new.append(dict(c, label=label))
    return history, new


def policy(path):
    write_policy(path, LIMITS, PER_HEAD, manager_threshold=MANAGER_THRESHOLD, late_days=LATE_DAYS, round_min=300)


if __name__ == "__main__":
    run(7, 150, generate, policy)
