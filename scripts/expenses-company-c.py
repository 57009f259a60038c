#!/usr/bin/env python3
"""A third synthetic company for the expense benchmark, different again from
`mishu expenses synth` (A) and scripts/expenses-company-b.py (B): an engineering
consultancy with sites in Macau and the Greater Bay Area.

What makes it hard in its own way:
- its own limits, mostly far under the defaults, but travel above the default limit;
  a manager threshold of HKD 4,000 and a late-submission window of 120 days (quarterly
  batch submitters hand in a whole quarter's receipts after it ends);
- many people legitimately claim at or just under a limit (a site meal allowance spent
  to the dollar, hotel rates capped at the allowance, taxi fares to remote sites): limit
  gaming has to be judged against the person's own record, not the company's;
- part-timers and contractors with a few dozen claims in twenty months;
- amounts drawn from a few price points per person (their regular lunch places) with
  Weibull noise, not log-normal or gamma; claims in MOP, CNY, TWD, EUR, GBP and AUD;
- merchants written with their branch ("Tsui Wah (Central)"), and in Chinese;
- anomalies with other magnitudes and dates than A and B: inflated amounts 2-4.5x the
  person's median, limit-gaming series of 2-4 claims 0.3-2.5% under the limit spread
  over up to five weeks, over-limit claims only 3-40% over, per-head overs below the
  default per-head limit, duplicates of claims months old or of a claim in the same
  batch, splits into 2-4 parts, late claims 4-11 months old.

Writes OUT/history.csv (normal claims), OUT/new.csv (with `label`: `normal` or the
reason code of the injected anomaly) and OUT/policy.toml (the company's policy).

Usage: scripts/expenses-company-c.py --out-dir DIR [--seed 5] [--employees 135]
"""
import datetime as dt, math, os, random, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from expenses_company import main as run, workday, write_policy  # noqa: E402

HISTORY_START = dt.date(2025, 1, 6)
NEW_START = dt.date(2026, 9, 21)
NEW_END = dt.date(2026, 11, 2)  # exclusive

LIMITS = {"meals": 650, "entertainment": 3500, "taxi": 250, "travel": 9000, "hotel": 2600,
          "airfare": 10000, "office_supplies": 1200, "training": 18000, "telecom": 500, "other": 1200}
PER_HEAD = {"meals": 300, "entertainment": 900}
MANAGER_THRESHOLD = 4000
LATE_DAYS = 120
WEEKEND_OK = ["travel", "hotel", "airfare", "taxi"]
# The company's own rates (close to, not the same as, mishu's defaults).
FX = {"HKD": 1.0, "MOP": 0.971, "CNY": 1.09, "TWD": 0.245, "EUR": 8.5, "GBP": 10.1, "AUD": 5.2}
HOLIDAYS = {dt.date(*d) for d in [
    (2025, 1, 1), (2025, 1, 29), (2025, 1, 30), (2025, 1, 31), (2025, 4, 4), (2025, 4, 18),
    (2025, 4, 19), (2025, 4, 21), (2025, 5, 1), (2025, 5, 5), (2025, 5, 31), (2025, 7, 1),
    (2025, 10, 1), (2025, 10, 7), (2025, 10, 29), (2025, 12, 25), (2025, 12, 26),
    (2026, 1, 1), (2026, 2, 17), (2026, 2, 18), (2026, 2, 19), (2026, 4, 3), (2026, 4, 4),
    (2026, 4, 6), (2026, 4, 7), (2026, 5, 1), (2026, 5, 25), (2026, 6, 19), (2026, 7, 1),
    (2026, 9, 26), (2026, 10, 1), (2026, 10, 19), (2026, 12, 25), (2026, 12, 26)]}

# Per category: typical HKD amount, Weibull shape of the noise, merchants (with branches).
CATS = {
    "meals": (150, 3.0, ["Tsui Wah (Central)", "Tsui Wah (Mong Kok)", "大家樂 (觀塘)", "Fairwood (Taikoo)",
                         "Tai Hing (Tsuen Wan)", "Pret A Manger (IFC)", "一點心", "Lord Stow's Bakery",
                         "Wong Chi Kei (Macau)", "Din Tai Fung (Silvercord)", "Simplylife (Causeway Bay)",
                         "Yum Cha (Central)", "McDonald's (Shenzhen Bay)", "海底撈 (深圳)"]),
    "entertainment": (1500, 2.5, ["Lung King Heen", "The Chairman", "Robuchon au Dôme", "Jade Dragon",
                                  "Mott 32", "Ye Shanghai", "新榮記", "Wagyu Takumi"]),
    "taxi": (85, 2.2, ["HKTaxi", "Uber", "Didi Chuxing", "Macau Taxi", "Kowloon Taxi Co.", "Urban Taxi"]),
    "travel": (1600, 1.8, ["MTR Intercity", "Cotai Water Jet", "TurboJET", "High Speed Rail (West Kowloon)",
                           "Avis", "Trip.com", "HZMB Shuttle Bus"]),
    "hotel": (1700, 4.0, ["Conrad Macao", "Sheraton Grand Macao", "Hyatt Regency Shenzhen", "Novotel Citygate",
                          "Hilton Garden Inn Guangzhou", "Ibis Macao", "Holiday Inn Express Zhuhai"]),
    "airfare": (3600, 2.0, ["Cathay Pacific", "Air Macau", "EVA Air", "British Airways", "Qantas",
                            "Greater Bay Airlines"]),
    "office_supplies": (210, 1.6, ["Commercial Press", "Muji (Causeway Bay)", "Fortress", "Popular Bookstore",
                                   "HKTVmall", "Taobao", "Officeworks HK"]),
    "training": (5200, 2.5, ["HKIE", "HKU SPACE", "RICS Asia", "PolyU PFES", "LinkedIn Learning"]),
    "telecom": (260, 8.0, ["CSL", "SmarTone", "CTM Macau", "China Unicom"]),
    "other": (180, 1.5, ["SF Express", "DHL", "Watsons", "Hong Kong Post", "Site Safety Supplies",
                         "Wing On Hardware"]),
}
ODD_MERCHANTS = {"meals": ["Galaxy Cabaret Lounge", "Club Bboss"], "other": ["Chow Tai Fook Jewellery",
                 "Apple Store (IFC)", "Sa Sa Cosmetics"], "office_supplies": ["Emperor Watch & Jewellery",
                 "Fortress Gaming Zone"], "entertainment": ["Casino Lisboa VIP", "Ocean Park Hotel Spa"]}
CURRENCY_OF = {  # where a site's receipts come from
    "Macau": "MOP", "GBA": "CNY", "Taipei": "TWD", "Europe": "EUR", "UK": "GBP", "Australia": "AUD"}

DEPARTMENTS = {
    "site_engineering": (0.34, {"meals": 6, "taxi": 5, "travel": 1.2, "hotel": 0.8, "other": 1.5, "telecom": 1}),
    "design": (0.20, {"meals": 3, "taxi": 1.5, "office_supplies": 2, "training": 0.3, "telecom": 0.6}),
    "project_controls": (0.12, {"meals": 3, "taxi": 2, "office_supplies": 1, "travel": 0.6, "telecom": 0.8}),
    "business_development": (0.12, {"meals": 5, "entertainment": 2.5, "taxi": 3, "travel": 1.5, "hotel": 1,
                                    "airfare": 0.8, "telecom": 1}),
    "admin": (0.10, {"meals": 2, "office_supplies": 3, "other": 2, "taxi": 1}),
    "it": (0.07, {"meals": 2, "office_supplies": 1.5, "telecom": 1, "training": 0.4, "other": 1}),
    "directors": (0.05, {"meals": 4, "entertainment": 3, "airfare": 1.2, "hotel": 1.2, "travel": 1, "taxi": 3}),
}


class Person:
    pass


def hire(rng, n):
    people = []
    names = list(DEPARTMENTS)
    for i in range(n):
        p = Person()
        p.id = f"PE-{rng.randint(100, 999)}-{i:03d}"
        p.dept = rng.choices(names, [DEPARTMENTS[d][0] for d in names])[0]
        w = dict(DEPARTMENTS[p.dept][1])
        for c in list(w):
            w[c] *= rng.choice([0, 0.3, 1, 1, 1.4, 2.2]) if len(w) > 2 else 1
        p.weights = {c: v for c, v in w.items() if v > 0} or {"meals": 1, "taxi": 1}
        p.kind = rng.choices(["full", "part_time", "quarterly", "site_lead"], [0.55, 0.15, 0.15, 0.15])[0]
        p.rate = rng.uniform(0.03, 0.12) if p.kind == "part_time" else rng.uniform(0.3, 1.0)
        # Each person's regular price points per category (their usual places and orders).
        p.points = {c: sorted(CATS[c][0] * rng.lognormvariate(0, 0.35) * m
                              for m in rng.sample([0.6, 0.8, 1.0, 1.3, 1.7], rng.randint(1, 3))) for c in CATS}
        # Cap-huggers: in one or two categories their bills land at or just under the cap
        # (a site allowance spent to the dollar, a hotel rate above the allowance).
        p.hug = {}
        if p.kind == "site_lead" or rng.random() < 0.12:
            pool = [c for c in ("meals", "taxi", "hotel", "other") if c in p.weights] or ["meals"]
            for c in rng.sample(pool, k=min(len(pool), 1 if rng.random() < 0.7 else 2)):
                p.hug[c] = rng.uniform(0.3, 0.8)
                p.weights[c] = p.weights.get(c, 0) + 1.5
        p.site = rng.choices([None, "Macau", "GBA", "Taipei"], [0.55, 0.2, 0.2, 0.05])[0]
        p.abroad = rng.random() < 0.08  # conference travel to Europe, the UK, Australia
        p.merchants = {c: rng.sample(CATS[c][2], min(len(CATS[c][2]), rng.randint(2, 5))) for c in CATS}
        p.saturday = p.dept == "site_engineering" and rng.random() < 0.4
        p.table = rng.choice([1, 1, 2, 3, 4, 6])
        p.joined = HISTORY_START
        if rng.random() < 0.1:  # joined late: a few months of history
            p.joined = NEW_START - dt.timedelta(days=rng.randint(45, 160))
        people.append(p)
    return people


def intensity(day, cat):
    if cat in ("airfare", "hotel", "training") and day.month == 11:
        return 2.0  # conference season
    if cat in ("taxi", "meals") and day.month in (7, 8):
        return 1.3  # typhoon-season site call-outs
    if day.month == 1 and day.day > 20 or day.month == 2 and day.day < 10:
        return 0.7
    return 1.0


def quarter_end(day):
    q_last_month = ((day.month - 1) // 3 + 1) * 3
    nxt = dt.date(day.year + (q_last_month == 12), q_last_month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


class Gen:
    def __init__(self, seed, n):
        self.rng = random.Random(seed)
        self.people = hire(self.rng, n)
        self.seq = 0

    def amount(self, p, cat, day):
        rng = self.rng
        limit = LIMITS[cat]
        if cat in p.hug and rng.random() < p.hug[cat]:
            return round(limit * (1 - rng.choice([0, 0, 0, rng.uniform(0.001, 0.03)])), 2)
        if cat == "telecom":
            return min(round(p.points[cat][0] / 10) * 10, 480) - 0.1 * rng.choice([0, 0, 2, 12])
        base = rng.choice(p.points[cat])
        a = base * (0.55 + 0.5 * rng.weibullvariate(1.0, CATS[cat][1]))
        if a > limit:  # finance pays up to the cap, or people bring a cheaper receipt
            a = limit if rng.random() < 0.4 else limit * rng.uniform(0.6, 0.9)
        return round(max(15.0, a), 1)

    def submitted(self, p, day):
        rng = self.rng
        if p.kind == "quarterly":
            sub = quarter_end(day) + dt.timedelta(days=rng.randint(1, 14))
        elif rng.random() < 0.1:
            sub = day + dt.timedelta(days=rng.randint(20, 55))  # a trip's receipts, weeks later
        else:
            sub = day + dt.timedelta(days=min(int(rng.paretovariate(1.6)) - 1, 40) + rng.randint(0, 3))
        return f"{sub.isoformat()}T{rng.randint(8, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}+08:00"

    def claim(self, p, cat, day, amount=None, merchant=None, currency=None):
        rng = self.rng
        hkd = amount if amount is not None else self.amount(p, cat, day)
        cur = currency or "HKD"
        if currency is None and amount is None:
            if p.site and cat in ("meals", "taxi", "hotel", "other") and rng.random() < 0.45:
                cur = CURRENCY_OF[p.site]
            elif p.abroad and cat in ("hotel", "meals", "taxi") and rng.random() < 0.15:
                cur = rng.choice(["EUR", "GBP", "AUD"])
        amt = hkd / FX[cur]
        amt = round(amt) if cur == "TWD" else round(amt, 2)
        attendees = ""
        if cat in ("meals", "entertainment"):
            need = math.ceil(amt * FX[cur] / PER_HEAD[cat])
            attendees = str(max(need, p.table if cat == "meals" else rng.randint(2, 6)))
        self.seq += 1
        invoice = ""
        if rng.random() < 0.45:
            invoice = f"{rng.choice('ABCDEFGHJK')}{rng.randint(10, 99)}-{self.seq * 7 + rng.randint(0, 6):08d}"
        return {"claim_id": f"EXP{day.year}-{self.seq:06d}", "employee_id": p.id, "department": p.dept,
                "category": cat, "merchant": merchant or rng.choice(p.merchants[cat]), "amount": f"{amt:.2f}",
                "currency": cur, "expense_date": day.isoformat(), "submitted_at": self.submitted(p, day),
                "description": rng.choice(["", f"{cat} - site visit", f"{cat} ({p.dept})", "project cost"]),
                "invoice_no": invoice, "attendees": attendees}

    def normal(self, start, end):
        rng, out, day = self.rng, [], start
        last_once = {}
        while day < end:
            off = day.weekday() >= 5 or day in HOLIDAYS
            for p in self.people:
                if day < p.joined:
                    continue
                if off and not (p.saturday and day.weekday() == 5 and day not in HOLIDAYS):
                    if rng.random() > 0.03:
                        continue
                    cats = [c for c in ("travel", "hotel", "airfare", "taxi") if c in p.weights]
                    if not cats:
                        continue
                else:
                    cats = list(p.weights)
                rate = p.rate
                while rng.random() < rate:
                    rate *= 0.4
                    cat = rng.choices(cats, [p.weights[c] * intensity(day, c) for c in cats])[0]
                    once = {"telecom": (day.year, day.month), "hotel": day, "airfare": day}.get(cat)
                    if once is not None:
                        if last_once.get((p.id, cat)) == once:
                            continue
                        last_once[(p.id, cat)] = once
                    out.append(self.claim(p, cat, day))
            day += dt.timedelta(days=1)
        return out

    def workday(self, lo=NEW_START, hi=NEW_END):
        return workday(self.rng, lo, hi, HOLIDAYS)

    def anomalies(self, history, new, per_kind):
        rng, out = self.rng, []
        mine = {}
        for c in history:
            mine.setdefault(c["employee_id"], []).append(c)

        def hkd(c):
            return float(c["amount"]) * FX[c["currency"]]

        def own(p, cat):
            return sorted(hkd(c) for c in mine.get(p.id, []) if c["category"] == cat)

        def near_share(p, cat):
            xs = own(p, cat)
            return sum(x >= 0.97 * LIMITS[cat] for x in xs) / max(len(xs), 1)

        settled = [p for p in self.people if len(mine.get(p.id, [])) >= 40 and p.joined == HISTORY_START]
        quiet = [p for p in settled if not p.saturday]
        for i in range(per_kind):
            p = rng.choice(quiet)
            # Limit gaming: 2-4 claims 0.3-2.5% under the limit over up to five weeks, by
            # someone who (nearly) never claims that close; some are cap-huggers in another
            # category.
            for _ in range(100):
                g = rng.choice(settled)
                cat = rng.choice([c for c in ("meals", "taxi", "office_supplies", "other", "meals") if c in g.weights]
                                 or ["meals"])
                if len(own(g, cat)) >= 8 and near_share(g, cat) <= 0.03:
                    break
            n = rng.choice([2, 3, 3, 4])
            span = rng.randint(6, 35)
            first = self.workday(NEW_START, NEW_END - dt.timedelta(days=span))
            days = sorted({self.workday(first, first + dt.timedelta(days=span + 1)) for _ in range(n)} | {first})
            for d in days:
                out.append((self.claim(g, cat, d, amount=round(LIMITS[cat] * (1 - rng.uniform(0.003, 0.025)), 1)),
                            "NEAR_LIMIT"))
            # Inflated: 2-4.5x the person's median, under the limit, at one of their usual places.
            for _ in range(200):
                q = rng.choice(settled)
                cat = rng.choice([c for c in q.weights if c not in q.hug])
                xs = own(q, cat)
                if len(xs) >= 10 and xs[len(xs) // 2] * 2.0 < LIMITS[cat] * 0.92:
                    break
            med = xs[len(xs) // 2]
            factor = rng.uniform(2.0, min(4.5, LIMITS[cat] * 0.92 / med))
            out.append((self.claim(q, cat, self.workday(), amount=round(med * factor, 1)), "UNUSUAL_AMOUNT"))
            # Duplicate: a claim months old submitted again, or one of this batch twice.
            if i % 2 == 0:
                orig = dict(rng.choice([c for c in history if c["expense_date"] >= "2026-03-01"]))
            else:
                orig = dict(rng.choice([c for c in new if c["label"] == "normal"]))
                orig.pop("label", None)
            self.seq += 1
            orig["claim_id"] = f"EXP2026-{self.seq:06d}"
            if not orig["invoice_no"] or rng.random() < 0.5:
                orig["merchant"] = orig["merchant"].lower() if rng.random() < 0.5 else orig["merchant"] + " Ltd."
            orig["submitted_at"] = f"{self.workday().isoformat()}T09:05:00+08:00"
            out.append((orig, "DUPLICATE"))
            # Split: one bill in 2-4 parts, same day and merchant, each under the limit.
            cat = rng.choice(["meals", "entertainment", "office_supplies", "other"])
            cap = min(LIMITS[cat], MANAGER_THRESHOLD)
            parts = rng.choice([2, 2, 3, 4])
            total = cap * rng.uniform(1.05, min(2.5, 0.97 * parts))
            d, m = self.workday(), rng.choice(p.merchants[cat])
            weights = [rng.uniform(0.6, 1.4) for _ in range(parts)]
            for w in weights:
                out.append((self.claim(p, cat, d, amount=round(min(total * w / sum(weights), cap * 0.985), 1),
                                       merchant=m), "SPLIT_CLAIM"))
            # Weekend: a Saturday or Sunday meal or office purchase by someone who never works then.
            sat = NEW_START + dt.timedelta(days=(5 - NEW_START.weekday()) % 7 + 7 * rng.randint(0, 5))
            d = sat + dt.timedelta(days=rng.choice([0, 1]))
            if d in HOLIDAYS:
                d += dt.timedelta(days=1)
            out.append((self.claim(p, rng.choice(["meals", "meals", "office_supplies"]), d), "WEEKEND"))
            # Holiday (a weekday one: National Day, Chung Yeung).
            d = rng.choice([h for h in sorted(HOLIDAYS) if NEW_START <= h < NEW_END and h.weekday() < 5])
            out.append((self.claim(p, rng.choice(["meals", "other", "office_supplies"]), d), "HOLIDAY"))
            # A category the person never claimed, rare in their department.
            for _ in range(50):
                q = rng.choice(quiet)
                fresh = [c for c in ("entertainment", "training", "airfare", "hotel")
                         if not own(q, c) and c not in DEPARTMENTS[q.dept][1]]
                if fresh:
                    break
            out.append((self.claim(q, rng.choice(fresh), self.workday()), "UNUSUAL_CATEGORY"))
            # A merchant nobody at the company uses, in a category it could pass for.
            cat = rng.choice(list(ODD_MERCHANTS))
            out.append((self.claim(p, cat, self.workday(), merchant=rng.choice(ODD_MERCHANTS[cat])), "UNUSUAL_MERCHANT"))
            # Round amounts where bills are never round.
            cat = rng.choice(["meals", "other", "office_supplies", "taxi"])
            amt = float(rng.choice([x for x in (200, 300, 400, 500, 600, 800, 1000) if x <= LIMITS[cat] * 0.95] or [200]))
            c = self.claim(p, cat, self.workday(), amount=amt)
            out.append((c, "ROUND_AMOUNT"))
            # Late: 4-11 months after the expense.
            d = self.workday(NEW_START - dt.timedelta(days=330), NEW_START - dt.timedelta(days=LATE_DAYS + 10))
            c = self.claim(p, rng.choice(["meals", "taxi", "other"]), d)
            c["submitted_at"] = f"{self.workday().isoformat()}T17:45:00+08:00"
            out.append((c, "LATE_SUBMISSION"))
            # Over a limit: per claim by 3-40%, or per head with too few attendees.
            if i % 2 == 0:
                cat = rng.choice(["meals", "taxi", "hotel", "office_supplies"])
                c = self.claim(p, cat, self.workday(), amount=round(LIMITS[cat] * rng.uniform(1.03, 1.4), 1))
            else:
                cat = rng.choice(["meals", "entertainment"])
                heads = rng.randint(1, 3)
                per = PER_HEAD[cat] * rng.uniform(1.15, 2.0)
                c = self.claim(p, cat, self.workday(), amount=round(min(per * heads, LIMITS[cat] * 0.95), 1))
                c["attendees"] = str(heads)
                if float(c["amount"]) / heads <= PER_HEAD[cat]:
                    c["attendees"] = "1"
            out.append((c, "OVER_LIMIT"))
        return out


def generate(seed, employees, per_kind):
    g = Gen(seed, employees)
    history = g.normal(HISTORY_START, NEW_START)
    new = [dict(c, label="normal") for c in g.normal(NEW_START, NEW_END)]
    new += [dict(c, label=label) for c, label in g.anomalies(history, new, per_kind)]
    return history, new


def policy(path):
    write_policy(path, LIMITS, PER_HEAD, manager_threshold=MANAGER_THRESHOLD, late_days=LATE_DAYS, round_min=200,
                 weekend_ok=WEEKEND_OK, fx=FX)


if __name__ == "__main__":
    run(5, 135, generate, policy)
