#!/usr/bin/env python3
"""Writes timewords_grid.tsv: the grids are computed here with Python's datetime, an
oracle independent of the Rust code; the hand-written cases are listed below.
Run: python3 agent/tests/data/gen_timewords_cases.py > agent/tests/data/timewords_grid.tsv
"""
from datetime import datetime, timedelta, date

HK = "Asia/Hong_Kong"
R1 = "2026-11-25T10:00:00+08:00"  # Wednesday morning
R2 = "2026-11-29T22:30:00+08:00"  # Sunday night
R3 = "2026-12-31T18:00:00+08:00"  # Thursday, year end
R4 = "2028-02-28T09:00:00+08:00"  # Monday, leap year
R5 = "2026-11-30T08:00:00+08:00"  # Monday, month end
R6 = "2027-02-26T16:00:00+08:00"  # Friday, February of a common year

def ref(r):
    return datetime.fromisoformat(r).replace(tzinfo=None)

def d(x):
    return x.strftime("%Y-%m-%d")

def dt(day, h, m=0):
    if h == 24:
        day, h = day + timedelta(days=1), 0
    return f"{d(day)}T{h:02d}:{m:02d}:00+08:00"

rows = []
def case(now, text, expected, tz=HK):
    rows.append((now, tz, text, expected))

EN = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
ZH = ["一", "二", "三", "四", "五", "六", "日"]

def week_start(x):
    return x - timedelta(days=x.weekday())

# 1. Bare weekdays: the next such day on or after today.
for r in (R1, R2, R5):
    today = ref(r).date()
    for i in range(7):
        target = today + timedelta(days=(i - today.weekday()) % 7)
        forms = [EN[i], "星期" + ZH[i], "禮拜" + ZH[i], "週" + ZH[i], "周" + ZH[i], "礼拜" + ZH[i]]
        if r != R1:
            forms = forms[:3]
        for f in forms:
            case(r, f, f"date[{f}]={d(target)}")
    case(r, "禮拜天", f"date[禮拜天]={d(today + timedelta(days=(6 - today.weekday()) % 7))}")

# 2. this/next weekday: that day of the current / the following week.
for r in (R1, R2, R3):
    today = ref(r).date()
    mon = week_start(today)
    for i in range(7):
        this = mon + timedelta(days=i)
        nxt = this + timedelta(days=7)
        for f in ["this " + EN[i], "本週" + ZH[i], "這週" + ZH[i], "呢個禮拜" + ZH[i]]:
            case(r, f, f"date[{f}]={d(this)}")
        for f in ["next " + EN[i], "下週" + ZH[i], "下星期" + ZH[i], "下個禮拜" + ZH[i], "下周" + ZH[i]]:
            case(r, f, f"date[{f}]={d(nxt)}")

# 3. Relative days.
REL = [("today", 0), ("tomorrow", 1), ("the day after tomorrow", 2), ("今日", 0), ("今天", 0),
       ("明天", 1), ("明日", 1), ("聽日", 1), ("听日", 1), ("後天", 2), ("後日", 2), ("后天", 2),
       ("大後日", 3), ("yesterday", -1), ("尋日", -1)]
for r in (R1, R2, R3, R4, R6):
    today = ref(r).date()
    for f, n in REL:
        case(r, f, f"date[{f}]={d(today + timedelta(days=n))}")

# 4. Weekday + part of day: today only while the time is still ahead.
PARTS = [("上午", 9), ("朝早", 9), ("中午", 12), ("晏晝", 12), ("下午", 14), ("下晝", 14), ("晚上", 19), ("夜晚", 19)]
EN_PARTS = [("morning", 9), ("afternoon", 14), ("evening", 19)]
for r in (R1, R2):
    now = ref(r)
    today = now.date()
    for i in (0, 2, 6):
        day = today + timedelta(days=(i - today.weekday()) % 7)
        for p, h in PARTS:
            f = "週" + ZH[i] + p
            target = day if datetime.combine(day, datetime.min.time()) + timedelta(hours=h) > now else day + timedelta(days=7)
            case(r, f, f"datetime[{f}]={dt(target, h)}")
        for p, h in EN_PARTS:
            f = EN[i] + " " + p
            target = day if datetime.combine(day, datetime.min.time()) + timedelta(hours=h) > now else day + timedelta(days=7)
            case(r, f, f"datetime[{f}]={dt(target, h)}")

# 5. Clock times alone: today while ahead, else tomorrow.
CLOCKS = [("3pm", 15, 0), ("3 pm", 15, 0), ("3:30 p.m.", 15, 30), ("3:30pm", 15, 30), ("11am", 11, 0),
          ("15:00", 15, 0), ("09:30", 9, 30), ("noon", 12, 0), ("12pm", 12, 0), ("12am", 24, 0),
          ("midnight", 24, 0), ("10:45am", 10, 45), ("8 o'clock", 8, 0),
          ("三點", 15, 0), ("兩點", 14, 0), ("两点", 14, 0), ("三點半", 15, 30), ("十點半", 10, 30),
          ("十點一個字", 10, 5), ("三點三", 15, 15), ("三點三個字", 15, 15), ("3點15分", 15, 15),
          ("3點15", 15, 15), ("三點十五分", 15, 15), ("下午三點", 15, 0), ("下午三點半", 15, 30),
          ("晏晝三點", 15, 0), ("晏晝一點", 13, 0), ("中午十二點", 12, 0), ("夜晚八點", 20, 0), ("晚上八點", 20, 0),
          ("晚上十二點", 24, 0), ("上午十點", 10, 0), ("朝早九點", 9, 0), ("早上8點", 8, 0), ("凌晨兩點", 2, 0),
          ("下晝兩點", 14, 0), ("九點", 9, 0), ("十二點", 12, 0), ("下午3:30", 15, 30), ("七點", 19, 0),
          ("八點", 8, 0), ("三點零五分", 15, 5), ("兩點一刻", 14, 15), ("下午兩點四十五分", 14, 45),
          ("5pm", 17, 0), ("9am", 9, 0), ("9:00 a.m.", 9, 0), ("half past 3", 15, 30), ("quarter to 5pm", 16, 45)]
for r in (R1, R3):
    now = ref(r)
    for f, h, m in CLOCKS:
        day = now.date()
        moment = datetime.combine(day, datetime.min.time()) + timedelta(hours=h, minutes=m)
        if moment <= now:
            day = day + timedelta(days=1)
        case(r, f, f"datetime[{f}]={dt(day, h, m)}")

# 6. Durations.
DUR = [("30 minutes", "PT30M"), ("an hour and a half", "PT1H30M"), ("an hour", "PT1H"),
       ("2 hours", "PT2H"), ("1.5 hours", "PT1H30M"), ("half an hour", "PT30M"),
       ("45 mins", "PT45M"), ("1 hour 30 minutes", "PT1H30M"), ("two hours", "PT2H"),
       ("3 days", "P3D"), ("2 weeks", "P14D"), ("90-minute", "PT1H30M"),
       ("兩個鐘", "PT2H"), ("個半鐘", "PT1H30M"), ("兩個小時", "PT2H"), ("两个小时", "PT2H"),
       ("半個鐘", "PT30M"), ("一個鐘", "PT1H"), ("兩個半鐘", "PT2H30M"), ("30分鐘", "PT30M"),
       ("十五分鐘", "PT15M"), ("一個半小時", "PT1H30M"), ("半小時", "PT30M"), ("三個字", "PT15M"),
       ("3天", "P3D"), ("兩個禮拜", "P14D"), ("1小時30分鐘", "PT1H30M")]
for f, v in DUR:
    case(R1, f, f"duration[{f}]={v}")

print("# Generated by gen_timewords_cases.py (grids) — see the hand-written file for the rest.")
print("# now\ttz\ttext\texpected: kind[text]=value joined by ' | ', or - for nothing found")
for row in rows:
    print("\t".join(row))
