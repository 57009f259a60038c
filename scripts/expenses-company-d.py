#!/usr/bin/env python3
"""A fourth synthetic company for the expense benchmark, shaped unlike A, B and C: a
fashion retailer with a dozen small shops (teams of three to eight, each its own
department) and a head office whose buyers travel to Tokyo, Seoul, Taipei and
Singapore.

What makes it different:
- shop staff work weekends and public holidays as a rule (their meals and taxis then are
  ordinary, though the policy file names only travel as weekend business), hand in a
  week's receipts every Monday, and eat together at Christmas and Lunar New Year;
- buyers travel in two buying seasons (February–March, August–September), pay in JPY,
  USD, TWD and SGD, and hand in a trip's receipts when they are back;
- amounts are log-logistic (heavy tails, no price points), drift up 4% a year, and
  differ by shop; shop managers buy flowers and window props at round prices (HKD 300,
  400, 500) as a matter of course;
- its limits are its own, some under the defaults (meals HKD 450, taxi 280, other 900)
  and one above (hotel 5,000 a night in Tokyo); a manager threshold of HKD 3,000 and a
  30-day submission window;
- anomalies of other sizes again: limit-gaming runs of 3-6 claims 0.2-2% under the limit
  within 10-25 days, amounts 2.2-7x the person's median, duplicates resubmitted weeks
  later with the invoice number retyped, splits totalling 1.1-2x the limit, late claims
  40-300 days old, overs by 5-60% or by head count, round amounts where bills never are.

Writes OUT/history.csv, OUT/new.csv (with `label`) and OUT/policy.toml.

Usage: scripts/expenses-company-d.py --out-dir DIR [--seed 3] [--employees 110]
"""
import datetime as dt, math, os, random, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from expenses_company import main as run, workday, write_policy  # noqa: E402

HISTORY_START = dt.date(2025, 6, 2)
NEW_START = dt.date(2026, 10, 5)
NEW_END = dt.date(2026, 11, 16)  # exclusive

LIMITS = {"meals": 450, "entertainment": 2500, "taxi": 280, "travel": 4000, "hotel": 5000,
          "airfare": 9000, "office_supplies": 1500, "training": 8000, "telecom": 600, "other": 900}
PER_HEAD = {"meals": 220, "entertainment": 700}
MANAGER_THRESHOLD = 3000
LATE_DAYS = 30
# Written for everyone: the shops' weekend rota is not in the policy file (their weekend
# meals are ordinary because they work then, not because the policy says so).
WEEKEND_OK = ["travel", "hotel", "airfare"]
FX = {"HKD": 1.0, "JPY": 0.052, "USD": 7.8, "TWD": 0.245, "SGD": 5.8}
# Weekday general holidays (the shops open on them).
HOLIDAYS = {dt.date(*d) for d in [
    (2025, 7, 1), (2025, 10, 1), (2025, 10, 7), (2025, 10, 29), (2025, 12, 25), (2025, 12, 26),
    (2026, 1, 1), (2026, 2, 17), (2026, 2, 18), (2026, 2, 19), (2026, 4, 3), (2026, 4, 6),
    (2026, 4, 7), (2026, 5, 1), (2026, 5, 25), (2026, 6, 19), (2026, 7, 1), (2026, 10, 1),
    (2026, 10, 19), (2026, 12, 25)]}

# Per category: median HKD, log-logistic shape (higher: narrower), merchants.
CATS = {
    "meals": (85, 5.0, ["Tsui Wah", "Café de Coral", "Maxim's MX", "Starbucks", "Yoshinoya", "Mos Burger",
                        "Tam Jai Samgor", "Pret A Manger", "Genki Sushi", "Ichiran"]),
    "entertainment": (1100, 4.0, ["Mott 32", "Duddell's", "Yardbird", "Ho Lee Fook", "Kinjo"]),
    "taxi": (70, 3.5, ["HKTaxi", "Uber", "Fly Taxi", "Urban Taxi"]),
    "travel": (900, 3.0, ["Airport Express", "JR East", "Korail", "Taiwan High Speed Rail", "Klook"]),
    "hotel": (2300, 6.0, ["Hotel Gracery Shinjuku", "Lotte Hotel Seoul", "Regent Taipei", "Park Royal Singapore",
                          "Mitsui Garden Ginza"]),
    "airfare": (3200, 4.0, ["Cathay Pacific", "HK Express", "Korean Air", "EVA Air", "Singapore Airlines"]),
    "office_supplies": (160, 2.5, ["Muji", "Daiso", "Log-On", "Commercial Press", "IKEA"]),
    "training": (2600, 3.0, ["HKMA", "VTC", "Coursera", "HKTDC Academy"]),
    "telecom": (188, 20.0, ["CSL", "SmarTone", "3HK"]),
    "other": (150, 2.2, ["Flower Lab", "SF Express", "Props Workshop", "Lane Crawford", "Watsons"]),
}
ODD_MERCHANTS = ["Macau Jockey Club", "Diamond Karaoke", "Rolex Boutique", "Hong Kong Gold Exchange",
                 "Spa Lumière"]
SHOPS = ["shop_tst", "shop_cwb", "shop_mk", "shop_central", "shop_shatin", "shop_tko", "shop_yuen_long",
         "shop_tsuen_wan", "shop_airport", "shop_kt", "shop_lcx", "shop_elements"]
HQ = {  # department: (share of head office, category weights)
    "buying": (0.30, {"meals": 3, "taxi": 2, "airfare": 0.5, "hotel": 1.5, "travel": 1, "telecom": 0.4}),
    "merchandising": (0.20, {"meals": 3, "taxi": 1, "office_supplies": 1.5, "other": 1.5, "telecom": 0.3}),
    "finance": (0.15, {"meals": 3, "taxi": 0.5, "office_supplies": 1, "training": 0.2}),
    "marketing": (0.20, {"meals": 3, "entertainment": 1, "taxi": 1.5, "other": 1, "office_supplies": 0.5}),
    "management": (0.15, {"meals": 3, "entertainment": 2, "taxi": 2, "airfare": 0.3, "hotel": 0.6, "travel": 0.5}),
}
SHOP_WEIGHTS = {"meals": 4, "taxi": 2, "office_supplies": 0.6, "other": 0.8, "telecom": 0.3}


class Person:
    pass


def hire(rng, n):
    people = []
    shop_staff = int(n * 0.55)
    for i in range(n):
        p = Person()
        p.id = f"R{rng.randint(1, 9)}{i:04d}"
        if i < shop_staff:
            p.dept = SHOPS[i % len(SHOPS)]
            p.weights = dict(SHOP_WEIGHTS)
            p.manager = i < len(SHOPS)  # the first of each shop runs it
            if p.manager:
                p.weights["other"] = 3  # flowers and window props
        else:
            names = list(HQ)
            p.dept = rng.choices(names, [HQ[d][0] for d in names])[0]
            p.weights = {c: w * rng.choice([0.5, 1, 1, 2]) for c, w in HQ[p.dept][1].items()}
            p.manager = False
        p.shop = p.dept.startswith("shop_")
        p.buyer = p.dept == "buying" or (p.dept == "management" and rng.random() < 0.5)
        p.level = {c: rng.lognormvariate(0, 0.25) for c in CATS}
        p.rate = rng.uniform(0.15, 0.7) if p.shop else rng.uniform(0.3, 0.8)
        p.start = HISTORY_START
        if rng.random() < 0.12:
            p.start = NEW_START - dt.timedelta(days=rng.randint(30, 120))
        p.airport_runs = p.buyer and rng.random() < 0.4  # taxi to the airport: the fare cap
        p.merchants = {c: rng.sample(CATS[c][2], min(len(CATS[c][2]), rng.randint(2, 4))) for c in CATS}
        people.append(p)
    return people


def loglogistic(rng, median, shape):
    u = rng.random()
    return median * (u / (1 - u)) ** (1 / shape)


def seasonal(day, cat, p):
    if p.shop and cat in ("meals", "entertainment") and (day.month == 12 and day.day > 15 or
                                                        day.month == 2 and day.day < 20):
        return 1.8
    if p.buyer and cat in ("hotel", "airfare", "travel") and day.month in (2, 3, 8, 9):
        return 3.0
    return 1.0


class Gen:
    def __init__(self, seed, n):
        self.rng = random.Random(seed)
        self.people = hire(self.rng, n)
        self.seq = 0
        self.trips = {}

    def amount(self, p, cat, day):
        rng = self.rng
        median, shape, _ = CATS[cat]
        drift = 1.04 ** ((day - HISTORY_START).days / 365)
        if cat == "telecom":
            return [138.0, 188.0, 238.0, 298.0][int(p.level[cat] * 7) % 4]
        if cat == "other" and p.manager and rng.random() < 0.5:
            return float(rng.choice([200, 300, 300, 400, 500]))
        if cat == "taxi" and p.airport_runs and rng.random() < 0.3:
            return float(LIMITS["taxi"])  # the airport fare, capped
        a = loglogistic(rng, median * p.level[cat] * drift, shape)
        if a > LIMITS[cat]:
            a = LIMITS[cat] * rng.uniform(0.55, 0.97)  # finance sends it back; a cheaper receipt
        return round(max(18.0, a), 1)

    def submitted(self, p, day):
        rng = self.rng
        if p.shop:  # a week's receipts the Monday after
            sub = day + dt.timedelta(days=7 - day.weekday())
        elif p.buyer and day in self.trips.get(p.id, ()):
            sub = self.trips[p.id][day] + dt.timedelta(days=rng.randint(1, 12))
        else:
            sub = day + dt.timedelta(days=int(rng.expovariate(1 / 3)))
        sub = min(sub, day + dt.timedelta(days=26))
        return f"{sub.isoformat()}T{rng.randint(9, 20):02d}:{rng.randint(0, 59):02d}:00+08:00"

    def claim(self, p, cat, day, amount=None, merchant=None):
        rng = self.rng
        hkd = amount if amount is not None else self.amount(p, cat, day)
        cur = "HKD"
        abroad = p.buyer and day in self.trips.get(p.id, ())
        if amount is None and abroad and cat in ("meals", "taxi", "hotel", "travel"):
            cur = rng.choice(["JPY", "JPY", "USD", "TWD", "SGD"])
        amt = hkd / FX[cur]
        amt = round(amt) if cur in ("JPY", "TWD") else round(amt, 2)
        attendees = ""
        if cat in ("meals", "entertainment"):
            need = math.ceil(amt * FX[cur] / PER_HEAD[cat])
            attendees = str(max(need, rng.choice([1, 1, 1, 2, 3]) if cat == "meals" else rng.randint(2, 5)))
        self.seq += 1
        invoice = ""
        if rng.random() < 0.5:
            invoice = f"{day:%y%m}{self.seq * 13 + rng.randint(0, 12):07d}"
        return {"claim_id": f"RTL-{self.seq:06d}", "employee_id": p.id, "department": p.dept, "category": cat,
                "merchant": merchant or rng.choice(p.merchants[cat]), "amount": f"{amt:.2f}", "currency": cur,
                "expense_date": day.isoformat(), "submitted_at": self.submitted(p, day),
                "description": "", "invoice_no": invoice, "attendees": attendees}

    def plan_trips(self, start, end):
        """Buyers' trips: 3-6 days abroad, more in the buying seasons."""
        rng = self.rng
        for p in self.people:
            if not p.buyer:
                continue
            days = {}
            day = start
            while day < end:
                if rng.random() < (0.05 if day.month in (2, 3, 8, 9) else 0.012):
                    length = rng.randint(3, 6)
                    back = day + dt.timedelta(days=length - 1)
                    for k in range(length):
                        days[day + dt.timedelta(days=k)] = back
                    day += dt.timedelta(days=length + 5)
                else:
                    day += dt.timedelta(days=1)
            self.trips[p.id] = days

    def normal(self, start, end):
        rng, out, day = self.rng, [], start
        once = {}
        while day < end:
            off = day.weekday() >= 5 or day in HOLIDAYS
            for p in self.people:
                if day < p.start:
                    continue
                trip = p.buyer and day in self.trips.get(p.id, ())
                if off and not p.shop and not trip:
                    continue
                cats = list(p.weights)
                weights = [p.weights[c] * seasonal(day, c, p) for c in cats]
                if trip:
                    cats += ["hotel", "meals", "taxi"]
                    weights += [6, 4, 3]
                rate = p.rate * (1.6 if trip else 1.0)
                while rng.random() < rate:
                    rate *= 0.5
                    cat = rng.choices(cats, weights)[0]
                    key = {"hotel": day, "airfare": day, "telecom": (day.year, day.month)}.get(cat)
                    if key is not None:
                        if once.get((p.id, cat)) == key:
                            continue
                        once[(p.id, cat)] = key
                    if cat == "hotel" and not trip:
                        continue
                    out.append(self.claim(p, cat, day))
            day += dt.timedelta(days=1)
        return out

    def workday(self, lo=NEW_START, hi=NEW_END):
        return workday(self.rng, lo, hi, HOLIDAYS)

    def anomalies(self, history, per_kind):
        rng, out = self.rng, []
        mine = {}
        for c in history:
            mine.setdefault(c["employee_id"], []).append(c)

        def hkd(c):
            return float(c["amount"]) * FX[c["currency"]]

        def own(p, cat):
            return sorted(hkd(c) for c in mine.get(p.id, []) if c["category"] == cat)

        settled = [p for p in self.people if p.start == HISTORY_START and len(mine.get(p.id, [])) >= 50]
        office = [p for p in settled if not p.shop]
        for i in range(per_kind):
            p = rng.choice(office)
            # Limit gaming: 3-6 claims 0.2-2% under the limit within 10-25 days.
            for _ in range(100):
                g = rng.choice(settled)
                cat = rng.choice([c for c in ("meals", "taxi", "other", "office_supplies") if c in g.weights] or ["meals"])
                xs = own(g, cat)
                if len(xs) >= 10 and not any(x >= 0.95 * LIMITS[cat] for x in xs):
                    break
            span = rng.randint(10, 25)
            first = self.workday(NEW_START, NEW_END - dt.timedelta(days=span))
            days = sorted({self.workday(first, first + dt.timedelta(days=span)) for _ in range(rng.randint(3, 6))})
            for d in days:
                out.append((self.claim(g, cat, d, amount=round(LIMITS[cat] * (1 - rng.uniform(0.002, 0.02)), 1)),
                            "NEAR_LIMIT"))
            # Inflated: 2.2-7x the person's median, under the limit.
            for _ in range(200):
                q = rng.choice(settled)
                cat = rng.choice([c for c in q.weights if c != "telecom"])
                xs = own(q, cat)
                if len(xs) >= 12 and xs[len(xs) // 2] * 2.2 < LIMITS[cat] * 0.95:
                    break
            med = xs[len(xs) // 2]
            factor = rng.uniform(2.2, min(7.0, LIMITS[cat] * 0.95 / med))
            out.append((self.claim(q, cat, self.workday(), amount=round(med * factor, 1)), "UNUSUAL_AMOUNT"))
            # Duplicate: a claim of the last two months again, the invoice retyped.
            orig = dict(rng.choice([c for c in history if c["expense_date"] >= (NEW_START - dt.timedelta(days=60)).isoformat()]))
            self.seq += 1
            orig["claim_id"] = f"RTL-{self.seq:06d}"
            if orig["invoice_no"]:
                inv = orig["invoice_no"]
                orig["invoice_no"] = f"{inv[:4]}-{inv[4:]}" if rng.random() < 0.5 else f" {inv} "
            else:
                orig["merchant"] = orig["merchant"].upper()
            orig["submitted_at"] = f"{self.workday().isoformat()}T11:20:00+08:00"
            out.append((orig, "DUPLICATE"))
            # Split: 2-3 parts of one bill, same day and place.
            cat = rng.choice(["meals", "entertainment", "office_supplies", "other"])
            cap = min(LIMITS[cat], MANAGER_THRESHOLD)
            total = cap * rng.uniform(1.1, 2.0)
            parts = rng.choice([2, 2, 3])
            d, m = self.workday(), rng.choice(p.merchants[cat])
            cuts = [rng.uniform(0.7, 1.3) for _ in range(parts)]
            for w in cuts:
                out.append((self.claim(p, cat, d, amount=round(min(total * w / sum(cuts), cap * 0.97), 1), merchant=m),
                            "SPLIT_CLAIM"))
            # Weekend: a head-office meal or purchase on a Saturday or Sunday.
            d = NEW_START + dt.timedelta(days=(5 - NEW_START.weekday()) % 7 + 7 * rng.randint(0, 5) + rng.randint(0, 1))
            out.append((self.claim(p, rng.choice(["meals", "office_supplies"]), d), "WEEKEND"))
            # Holiday: a weekday public holiday, head office.
            d = rng.choice([h for h in sorted(HOLIDAYS) if NEW_START <= h < NEW_END])
            out.append((self.claim(p, rng.choice(["meals", "office_supplies", "taxi"]), d), "HOLIDAY"))
            # A category the person never claimed, rare in their department.
            for _ in range(50):
                q = rng.choice(office)
                fresh = [c for c in ("entertainment", "airfare", "training", "hotel")
                         if not own(q, c) and c not in HQ[q.dept][1]]
                if fresh:
                    break
            out.append((self.claim(q, rng.choice(fresh or ["training"]), self.workday()), "UNUSUAL_CATEGORY"))
            # A merchant nobody at the company uses.
            out.append((self.claim(p, rng.choice(["meals", "other", "entertainment"]), self.workday(),
                                   merchant=rng.choice(ODD_MERCHANTS)), "UNUSUAL_MERCHANT"))
            # Round amounts where bills are never round.
            cat = rng.choice(["meals", "office_supplies", "taxi"])
            amt = float(rng.choice([x for x in (200, 300, 400, 600, 800, 900, 1000) if x <= LIMITS[cat] * 0.95]))
            out.append((self.claim(p, cat, self.workday(), amount=amt), "ROUND_AMOUNT"))
            # Late: 40-300 days after the expense.
            d = self.workday(NEW_START - dt.timedelta(days=300), NEW_START - dt.timedelta(days=LATE_DAYS + 10))
            c = self.claim(p, rng.choice(["meals", "taxi", "office_supplies"]), d)
            c["submitted_at"] = f"{self.workday().isoformat()}T15:05:00+08:00"
            out.append((c, "LATE_SUBMISSION"))
            # Over a limit: by 5-60%, or too few heads for the bill.
            if i % 2 == 0:
                cat = rng.choice(["meals", "taxi", "office_supplies", "other"])
                c = self.claim(p, cat, self.workday(), amount=round(LIMITS[cat] * rng.uniform(1.05, 1.6), 1))
                if cat == "meals":
                    c["attendees"] = str(math.ceil(float(c["amount"]) / PER_HEAD["meals"]))
            else:
                cat = rng.choice(["meals", "entertainment"])
                heads = rng.randint(1, 2)
                c = self.claim(p, cat, self.workday(),
                               amount=round(min(PER_HEAD[cat] * heads * rng.uniform(1.2, 2.2), LIMITS[cat] * 0.95), 1))
                c["attendees"] = str(heads)
            out.append((c, "OVER_LIMIT"))
        return out


def generate(seed, employees, per_kind):
    g = Gen(seed, employees)
    g.plan_trips(HISTORY_START, NEW_END)
    history = g.normal(HISTORY_START, NEW_START)
    new = [dict(c, label="normal") for c in g.normal(NEW_START, NEW_END)]
    new += [dict(c, label=label) for c, label in g.anomalies(history, per_kind)]
    return history, new


def policy(path):
    write_policy(path, LIMITS, PER_HEAD, manager_threshold=MANAGER_THRESHOLD, late_days=LATE_DAYS, round_min=200,
                 weekend_ok=WEEKEND_OK, fx=FX)


if __name__ == "__main__":
    run(3, 110, generate, policy)
