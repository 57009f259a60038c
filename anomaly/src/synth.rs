//! A synthetic Hong Kong company for measuring the engine: departments, employees with
//! their own habits (categories, amounts, favourite merchants, how fast they submit,
//! whether they work weekends), 18 months of normal history, then one month of new claims
//! with labelled anomalies of every reason code, some blatant and some subtle.
//! The same seed gives the same files.

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, TimeZone};
use rand::seq::SliceRandom;
use rand::Rng;
use rand_xoshiro::rand_core::SeedableRng;
use rand_xoshiro::Xoshiro256Plus;

use crate::claim::{Category, Claim};
use crate::policy::Policy;
use crate::profile::is_weekend;
use crate::rules::ReasonCode;

/// Sizes of the synthetic company.
#[derive(Debug, Clone)]
pub struct SynthConfig {
    pub seed: u64,
    pub employees: usize,
    /// Normal claims per employee per working day.
    pub daily_rate: f64,
    pub history_start: NaiveDate,
    pub history_months: u32,
    /// Share of new claims that are anomalies.
    pub anomaly_rate: f64,
}

impl Default for SynthConfig {
    fn default() -> Self {
        SynthConfig {
            seed: 42,
            employees: 160,
            daily_rate: 0.55,
            history_start: NaiveDate::from_ymd_opt(2025, 4, 1).expect("valid date"),
            history_months: 18,
            anomaly_rate: 0.08,
        }
    }
}

/// The generated files: history (all normal) and new claims with their labels
/// (`normal` or the reason code of the injected anomaly).
pub struct SynthData {
    pub history: Vec<Claim>,
    pub new_claims: Vec<Claim>,
    pub labels: Vec<String>,
}

pub const NORMAL: &str = "normal";

struct CategoryShape {
    category: Category,
    median_hkd: f64,
    spread: f64,
    merchants: &'static [&'static str],
    descriptions: &'static [&'static str],
}

const SHAPES: [CategoryShape; 10] = [
    CategoryShape {
        category: Category::Meals,
        median_hkd: 160.0,
        spread: 0.35,
        merchants: &[
            "Tsui Wah Restaurant",
            "翠華餐廳",
            "Tai Hing",
            "Café de Coral",
            "大家樂",
            "Fairwood",
            "Maxim's Palace",
            "美心皇宮",
            "Pret A Manger",
            "Starbucks",
            "Din Tai Fung",
            "Lan Fong Yuen",
            "Yoshinoya",
            "Mix Salad Bar",
            "Kam's Roast Goose",
            "Australia Dairy Company",
            "Honeymoon Dessert",
            "Tim Ho Wan",
            "Genki Sushi",
            "Pacific Coffee",
            "Oliver's Super Sandwiches",
            "Simplylife",
        ],
        descriptions: &[
            "Working lunch",
            "午餐會議",
            "Team lunch",
            "加班晚餐",
            "Lunch with supplier",
            "早餐會",
        ],
    },
    CategoryShape {
        category: Category::Entertainment,
        median_hkd: 1800.0,
        spread: 0.4,
        merchants: &[
            "Lung King Heen",
            "Duddell's",
            "Hutong",
            "Mott 32",
            "Yung Kee",
            "鏞記酒家",
            "Peking Garden",
            "The Chairman",
            "Ho Lee Fook",
            "Tin Lung Heen",
            "福臨門",
            "Man Wah",
            "Zuma Hong Kong",
        ],
        descriptions: &[
            "Client dinner",
            "客戶晚宴",
            "Dinner with prospects",
            "招待客戶",
            "Partner lunch",
        ],
    },
    CategoryShape {
        category: Category::Taxi,
        median_hkd: 90.0,
        spread: 0.45,
        merchants: &["Taxi", "的士", "Uber", "HKTaxi", "DiDi", "Airport Taxi"],
        descriptions: &[
            "Taxi to client office",
            "的士往觀塘",
            "Late night taxi home",
            "Taxi to Central",
            "的士返公司",
        ],
    },
    CategoryShape {
        category: Category::Travel,
        median_hkd: 650.0,
        spread: 0.6,
        merchants: &[
            "MTR Corporation",
            "Airport Express",
            "TurboJET",
            "Cotai Water Jet",
            "Trip.com",
            "Klook",
            "Hong Kong–Zhuhai–Macao Bridge Shuttle",
            "高鐵 Guangzhou-Shenzhen-Hong Kong Express Rail Link",
        ],
        descriptions: &[
            "Trip to Shenzhen office",
            "深圳出差交通",
            "Macau client visit",
            "廣州展覽會",
        ],
    },
    CategoryShape {
        category: Category::Hotel,
        median_hkd: 1500.0,
        spread: 0.3,
        merchants: &[
            "Hotel ICON",
            "Marco Polo Hongkong Hotel",
            "Regal Airport Hotel",
            "Hyatt Regency Shenzhen",
            "W Guangzhou",
            "Sands Macao",
            "Novotel Citygate",
            "Hilton Singapore Orchard",
        ],
        descriptions: &[
            "Hotel, Shenzhen trip",
            "出差住宿",
            "Conference hotel",
            "Client visit accommodation",
        ],
    },
    CategoryShape {
        category: Category::Airfare,
        median_hkd: 3600.0,
        spread: 0.45,
        merchants: &[
            "Cathay Pacific",
            "國泰航空",
            "HK Express",
            "Hong Kong Airlines",
            "Singapore Airlines",
            "Greater Bay Airlines",
            "Japan Airlines",
        ],
        descriptions: &[
            "Flight to Singapore",
            "往東京機票",
            "Flight to Taipei",
            "Regional sales trip",
        ],
    },
    CategoryShape {
        category: Category::OfficeSupplies,
        median_hkd: 260.0,
        spread: 0.6,
        merchants: &[
            "Commercial Press",
            "商務印書館",
            "Popular Bookstore",
            "Fortress",
            "Broadway",
            "MUJI",
            "IKEA",
            "Kinokuniya",
            "Chung Hwa Book Co.",
            "Mercury Stationery",
            "DG Office Supplies",
        ],
        descriptions: &[
            "Printer toner",
            "文具",
            "USB-C cables",
            "Notebooks and pens",
            "白板筆",
            "Keyboard",
        ],
    },
    CategoryShape {
        category: Category::Training,
        median_hkd: 3200.0,
        spread: 0.45,
        merchants: &[
            "HKU SPACE",
            "HKMA",
            "CUHK School of Continuing and Professional Studies",
            "HKICPA",
            "Coursera",
            "Udemy",
            "HKPC",
        ],
        descriptions: &[
            "CPD course",
            "課程費用",
            "Excel advanced workshop",
            "Leadership training",
        ],
    },
    CategoryShape {
        category: Category::Telecom,
        median_hkd: 268.0,
        spread: 0.2,
        merchants: &["CSL", "SmarTone", "China Mobile Hong Kong", "3HK", "HKBN"],
        descriptions: &[
            "Mobile plan",
            "手機月費",
            "Roaming data pack",
            "Home broadband (work)",
        ],
    },
    CategoryShape {
        category: Category::Other,
        median_hkd: 380.0,
        spread: 0.7,
        merchants: &[
            "SF Express",
            "順豐速運",
            "Kerry Express",
            "DHL Express",
            "Hongkong Post",
            "Print Express",
            "Flower Mall",
            "Wellcome",
        ],
        descriptions: &[
            "Courier to client",
            "速遞文件",
            "Printing brochures",
            "Flowers for client opening",
        ],
    },
];

/// Merchants no employee has used for work: what an "unusual merchant" claim names.
const ODD_MERCHANTS: &[&str] = &[
    "Chow Tai Fook Jewellery",
    "周大福珠寶",
    "Louis Vuitton Canton Road",
    "Apple Store IFC",
    "Ocean Park",
    "Hong Kong Jockey Club",
    "Lane Crawford",
    "Harbour City Watch Gallery",
    "Toys\"R\"Us",
    "K11 Musea Spa",
    "Rolex Boutique",
    "Hong Kong Disneyland",
];

struct Department {
    id: &'static str,
    /// Weights of [`SHAPES`] (0: the department never claims it).
    mix: [f64; 10],
    weekend_workers: f64,
}

const DEPARTMENTS: [Department; 6] = [
    Department {
        id: "sales",
        mix: [3.0, 2.0, 3.0, 1.0, 0.6, 0.5, 0.3, 0.2, 0.6, 0.4],
        weekend_workers: 0.35,
    },
    Department {
        id: "finance",
        mix: [3.0, 0.1, 1.0, 0.2, 0.1, 0.1, 1.0, 0.5, 0.4, 0.5],
        weekend_workers: 0.0,
    },
    Department {
        id: "engineering",
        mix: [3.0, 0.0, 1.0, 0.3, 0.2, 0.2, 1.2, 0.6, 0.6, 0.3],
        weekend_workers: 0.1,
    },
    Department {
        id: "operations",
        mix: [2.5, 0.2, 2.0, 0.8, 0.4, 0.3, 0.8, 0.2, 0.5, 1.2],
        weekend_workers: 0.2,
    },
    Department {
        id: "marketing",
        mix: [2.5, 1.0, 1.5, 0.6, 0.3, 0.3, 0.6, 0.3, 0.5, 1.5],
        weekend_workers: 0.25,
    },
    Department {
        id: "hr",
        mix: [2.5, 0.1, 0.8, 0.2, 0.1, 0.1, 0.8, 1.5, 0.4, 0.6],
        weekend_workers: 0.0,
    },
];

struct Employee {
    id: String,
    department: usize,
    mix: [f64; 10],
    /// Multiplier of the category's median amount, per category.
    scale: [f64; 10],
    favourites: Vec<Vec<&'static str>>,
    delay_days: f64,
    weekend_worker: bool,
    telecom_plan: f64,
}

struct Generator<'p> {
    rng: Xoshiro256Plus,
    policy: &'p Policy,
    employees: Vec<Employee>,
    next_claim: u64,
    next_invoice: u64,
}

pub fn generate(config: &SynthConfig, policy: &Policy) -> SynthData {
    let mut g = Generator {
        rng: Xoshiro256Plus::seed_from_u64(config.seed),
        policy,
        employees: Vec::new(),
        next_claim: 1,
        next_invoice: 100_000,
    };
    g.hire(config.employees);
    let history_end = add_months(config.history_start, config.history_months);
    let new_end = add_months(history_end, 1);
    let history = g.normal_claims(config, config.history_start, history_end);
    let mut new: Vec<(Claim, String)> = g
        .normal_claims(config, history_end, new_end)
        .into_iter()
        .map(|c| (c, NORMAL.to_string()))
        .collect();
    let anomalies = ((new.len() as f64) * config.anomaly_rate).round() as usize;
    let recent: Vec<&Claim> = history
        .iter()
        .filter(|c| c.expense_date >= history_end - Duration::days(45))
        .collect();
    for i in 0..anomalies {
        let code = ReasonCode::ALL[i % ReasonCode::ALL.len()];
        let subtle = (i / ReasonCode::ALL.len()) % 2 == 1;
        for claim in g.anomaly(code, subtle, history_end, new_end, &recent) {
            new.push((claim, code.as_str().to_string()));
        }
    }
    new.sort_by(|a, b| {
        a.0.submitted_at
            .cmp(&b.0.submitted_at)
            .then(a.0.claim_id.cmp(&b.0.claim_id))
    });
    let (new_claims, labels) = new.into_iter().unzip();
    SynthData {
        history,
        new_claims,
        labels,
    }
}

fn add_months(date: NaiveDate, months: u32) -> NaiveDate {
    date.checked_add_months(chrono::Months::new(months))
        .unwrap_or(date)
}

fn hong_kong() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("valid offset")
}

impl Generator<'_> {
    fn normal(&mut self) -> f64 {
        // Box–Muller.
        let u1: f64 = self.rng.gen_range(f64::EPSILON..1.0);
        let u2: f64 = self.rng.gen();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    fn hire(&mut self, n: usize) {
        for i in 0..n {
            let department = i % DEPARTMENTS.len();
            let dept = &DEPARTMENTS[department];
            let mut mix = dept.mix;
            for w in mix.iter_mut() {
                // Some people never claim some categories their colleagues do.
                *w = if self.rng.gen_bool(0.2) {
                    0.0
                } else {
                    *w * self.rng.gen_range(0.4..1.8)
                };
            }
            mix[0] = mix[0].max(0.5);
            let mut scale = [1.0; 10];
            for s in scale.iter_mut() {
                *s = (0.3 * self.normal()).exp();
            }
            let favourites = SHAPES
                .iter()
                .map(|shape| {
                    let mut pool: Vec<&'static str> = shape.merchants.to_vec();
                    pool.shuffle(&mut self.rng);
                    let keep = self.rng.gen_range(2..=5).min(pool.len());
                    pool.truncate(keep);
                    pool
                })
                .collect();
            let plans = [168.0, 198.0, 238.0, 268.0, 298.0, 388.0];
            self.employees.push(Employee {
                id: format!("E{:04}", i + 1),
                department,
                mix,
                scale,
                favourites,
                delay_days: self.rng.gen_range(1.5..18.0),
                weekend_worker: self.rng.gen_bool(dept.weekend_workers),
                telecom_plan: plans[self.rng.gen_range(0..plans.len())],
            });
        }
    }

    fn normal_claims(
        &mut self,
        config: &SynthConfig,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Vec<Claim> {
        let mut out = Vec::new();
        let mut day = from;
        while day < to {
            let off_day = is_weekend(day) || self.policy.holiday(day).is_some();
            for e in 0..self.employees.len() {
                let rate = if off_day {
                    if self.employees[e].weekend_worker {
                        config.daily_rate * 0.5
                    } else {
                        0.0
                    }
                } else {
                    config.daily_rate
                };
                if self.rng.gen_bool(rate.min(1.0)) {
                    let category = self.pick_category(e);
                    if off_day
                        && !matches!(
                            category,
                            Category::Meals | Category::Entertainment | Category::Taxi
                        )
                    {
                        continue;
                    }
                    if category == Category::Telecom && day.day() > 3 {
                        // A phone bill comes once a month.
                        continue;
                    }
                    out.push(self.claim(e, category, day));
                }
            }
            day = day.succ_opt().unwrap_or(to);
        }
        out
    }

    fn pick_category(&mut self, e: usize) -> Category {
        let mix = self.employees[e].mix;
        let total: f64 = mix.iter().sum();
        let mut r = self.rng.gen_range(0.0..total);
        for (i, w) in mix.iter().enumerate() {
            if r < *w {
                return SHAPES[i].category;
            }
            r -= w;
        }
        Category::Meals
    }

    /// A normal claim: the employee's usual merchants and amounts, within policy.
    fn claim(&mut self, e: usize, category: Category, day: NaiveDate) -> Claim {
        let ci = category.index();
        let shape = &SHAPES[ci];
        let emp = &self.employees[e];
        let limit = self.policy.limit(category).unwrap_or(f64::MAX);
        let (scale, telecom_plan) = (emp.scale[ci], emp.telecom_plan);
        let mut amount;
        loop {
            amount = shape.median_hkd * scale * (shape.spread * self.normal()).exp();
            if amount < limit * (1.0 - 2.0 * self.policy.near_limit_band) && amount > 5.0 {
                break;
            }
        }
        let attendees = match category {
            Category::Meals => Some(self.rng.gen_range(1..=3)),
            Category::Entertainment => Some(self.rng.gen_range(3..=8)),
            _ => None,
        };
        if let (Some(n), Category::Meals) = (attendees, category) {
            amount *= f64::from(n).sqrt();
        }
        amount = match category {
            Category::Telecom => telecom_plan,
            Category::Training => (amount / 50.0).round() * 50.0 + 0.0,
            Category::Taxi => (amount * 2.0).round() / 2.0,
            _ => (amount * 10.0).round() / 10.0,
        };
        if category != Category::Training && (amount * 100.0).round() as i64 % 10_000 == 0 {
            amount += 0.5;
        }
        let favourites = &self.employees[e].favourites[ci];
        let merchant = if self.rng.gen_bool(0.9) {
            favourites[self.rng.gen_range(0..favourites.len())].to_string()
        } else if self.rng.gen_bool(0.9) {
            shape.merchants[self.rng.gen_range(0..shape.merchants.len())].to_string()
        } else {
            // New places open: a merchant nobody has claimed before.
            format!(
                "{} {}",
                ["New", "Corner", "Harbour", "King's"][self.rng.gen_range(0..4)],
                self.next_invoice % 9973
            )
        };
        let delay = self.delay(self.employees[e].delay_days);
        self.make(e, category, &merchant, amount, day, delay, attendees)
    }

    fn delay(&mut self, mean: f64) -> i64 {
        let u: f64 = self.rng.gen_range(f64::EPSILON..1.0);
        ((-u.ln() * mean) as i64).clamp(0, 45)
    }

    #[allow(clippy::too_many_arguments)]
    fn make(
        &mut self,
        e: usize,
        category: Category,
        merchant: &str,
        amount: f64,
        day: NaiveDate,
        delay: i64,
        attendees: Option<u32>,
    ) -> Claim {
        let shape = &SHAPES[category.index()];
        let description =
            shape.descriptions[self.rng.gen_range(0..shape.descriptions.len())].to_string();
        let invoice_no = self.rng.gen_bool(0.75).then(|| {
            self.next_invoice += self.rng.gen_range(1..50);
            format!("INV-{}", self.next_invoice)
        });
        let submitted = self.submitted_at(day + Duration::days(delay));
        let emp = &self.employees[e];
        let claim = Claim {
            claim_id: format!("C{:06}", self.next_claim),
            employee_id: emp.id.clone(),
            department: DEPARTMENTS[emp.department].id.to_string(),
            category,
            merchant: merchant.to_string(),
            amount: (amount * 100.0).round() / 100.0,
            currency: "HKD".into(),
            expense_date: day,
            submitted_at: submitted,
            description,
            invoice_no,
            attendees,
        };
        self.next_claim += 1;
        claim
    }

    fn submitted_at(&mut self, day: NaiveDate) -> DateTime<FixedOffset> {
        let seconds = self.rng.gen_range(9 * 3600..19 * 3600);
        let time = day.and_hms_opt(0, 0, 0).expect("midnight") + Duration::seconds(seconds);
        hong_kong()
            .from_local_datetime(&time)
            .single()
            .expect("fixed offset")
    }

    fn working_day(&mut self, from: NaiveDate, to: NaiveDate) -> NaiveDate {
        loop {
            let d = from + Duration::days(self.rng.gen_range(0..(to - from).num_days().max(1)));
            if !is_weekend(d) && self.policy.holiday(d).is_none() {
                return d;
            }
        }
    }

    fn employee_without_weekends(&mut self) -> usize {
        loop {
            let e = self.rng.gen_range(0..self.employees.len());
            if !self.employees[e].weekend_worker {
                return e;
            }
        }
    }

    /// One injected anomaly (a split is several claims).
    fn anomaly(
        &mut self,
        code: ReasonCode,
        subtle: bool,
        from: NaiveDate,
        to: NaiveDate,
        recent: &[&Claim],
    ) -> Vec<Claim> {
        let e = self.employee_without_weekends();
        let day = self.working_day(from, to);
        let limit_of = |p: &Policy, c: Category| p.limit(c).unwrap_or(1000.0);
        match code {
            ReasonCode::Duplicate => {
                let original = recent[self.rng.gen_range(0..recent.len())].clone();
                let mut copy = original.clone();
                copy.claim_id = format!("C{:06}", self.next_claim);
                self.next_claim += 1;
                copy.submitted_at = self.submitted_at(day.max(copy.expense_date));
                if subtle {
                    // Resubmitted without the invoice, the merchant typed differently.
                    copy.invoice_no = None;
                    copy.merchant = format!("{} Ltd.", original.merchant.to_uppercase());
                }
                vec![copy]
            }
            ReasonCode::SplitClaim => {
                let category = if subtle {
                    Category::Meals
                } else {
                    Category::Entertainment
                };
                let threshold = limit_of(self.policy, category).min(self.policy.manager_threshold);
                let parts = if subtle { 2 } else { 3 };
                let total = threshold
                    * self
                        .rng
                        .gen_range(if subtle { 1.05..1.25 } else { 1.3..1.9 });
                let merchant = self.employees[e].favourites[category.index()][0];
                let delay = self.delay(self.employees[e].delay_days);
                let mut claims = Vec::new();
                let mut left = total;
                for p in 0..parts {
                    let amount = if p + 1 == parts {
                        left
                    } else {
                        (total / parts as f64 * self.rng.gen_range(0.85..1.15) * 10.0).round()
                            / 10.0
                    };
                    left -= amount;
                    claims.push(self.make(e, category, merchant, amount, day, delay, Some(4)));
                }
                claims
            }
            ReasonCode::OverLimit => {
                let category = [
                    Category::Meals,
                    Category::Taxi,
                    Category::Hotel,
                    Category::OfficeSupplies,
                ][self.rng.gen_range(0..4)];
                let factor = if subtle {
                    self.rng.gen_range(1.02..1.12)
                } else {
                    self.rng.gen_range(1.3..2.5)
                };
                let amount = (limit_of(self.policy, category) * factor * 10.0).round() / 10.0 + 0.3;
                let mut c = self.claim(e, category, day);
                c.amount = amount;
                vec![c]
            }
            ReasonCode::NearLimit => {
                let category = [
                    Category::Meals,
                    Category::Entertainment,
                    Category::Telecom,
                    Category::Hotel,
                ][self.rng.gen_range(0..4)];
                let limit = limit_of(self.policy, category).min(self.policy.manager_threshold);
                let under = self
                    .rng
                    .gen_range(0.001..self.policy.near_limit_band * if subtle { 1.0 } else { 0.4 });
                let mut c = self.claim(e, category, day);
                c.amount = ((limit * (1.0 - under)) * 10.0).floor() / 10.0 - 0.3;
                vec![c]
            }
            ReasonCode::Weekend | ReasonCode::Holiday => {
                let date = if code == ReasonCode::Weekend {
                    let mut d = day;
                    while !is_weekend(d) {
                        d = d.succ_opt().unwrap_or(d);
                    }
                    d
                } else {
                    let days: Vec<NaiveDate> = self
                        .policy
                        .holidays
                        .keys()
                        .copied()
                        .filter(|d| *d >= from && *d < to && !is_weekend(*d))
                        .collect();
                    days.choose(&mut self.rng).copied().unwrap_or(day)
                };
                let category = if subtle {
                    Category::Taxi
                } else {
                    Category::Meals
                };
                vec![self.claim(e, category, date)]
            }
            ReasonCode::RoundAmount => {
                let category = [
                    Category::Meals,
                    Category::Entertainment,
                    Category::OfficeSupplies,
                    Category::Other,
                ][self.rng.gen_range(0..4)];
                let choices: &[f64] = if subtle {
                    &[600.0, 700.0, 800.0, 1200.0]
                } else {
                    &[1000.0, 2000.0, 3000.0]
                };
                let mut amount = choices[self.rng.gen_range(0..choices.len())];
                let limit = limit_of(self.policy, category);
                while amount > limit * 0.9 {
                    amount -= 100.0;
                }
                let mut c = self.claim(e, category, day);
                c.amount = amount;
                c.attendees = c.attendees.map(|n| n.max(4));
                vec![c]
            }
            ReasonCode::UnusualAmount => {
                let category = [Category::Meals, Category::Taxi, Category::OfficeSupplies]
                    [self.rng.gen_range(0..3)];
                let mut c = self.claim(e, category, day);
                let factor = if subtle {
                    self.rng.gen_range(3.0..4.5)
                } else {
                    self.rng.gen_range(5.0..9.0)
                };
                let limit = limit_of(self.policy, category) * 0.9;
                c.amount = ((c.amount * factor).min(limit) * 10.0).round() / 10.0 + 0.4;
                vec![c]
            }
            ReasonCode::UnusualCategory => {
                // Someone whose department hardly ever entertains, entertaining.
                let e = (0..self.employees.len())
                    .cycle()
                    .skip(self.rng.gen_range(0..self.employees.len()))
                    .find(|&i| {
                        DEPARTMENTS[self.employees[i].department].mix[1] < 0.2
                            && self.employees[i].mix[1] == 0.0
                            && !self.employees[i].weekend_worker
                    })
                    .unwrap_or(e);
                let category = if subtle {
                    Category::Training
                } else {
                    Category::Entertainment
                };
                let mut c = self.claim(e, category, day);
                if subtle && self.employees[e].mix[Category::Training.index()] > 0.0 {
                    c.category = Category::Entertainment;
                }
                vec![c]
            }
            ReasonCode::UnusualMerchant => {
                let category = [Category::Meals, Category::OfficeSupplies, Category::Other]
                    [self.rng.gen_range(0..3)];
                let mut c = self.claim(e, category, day);
                c.merchant = if subtle {
                    // A real merchant of the company, but for something else entirely.
                    let other = SHAPES[Category::Airfare.index()].merchants;
                    other[self.rng.gen_range(0..other.len())].to_string()
                } else {
                    ODD_MERCHANTS[self.rng.gen_range(0..ODD_MERCHANTS.len())].to_string()
                };
                vec![c]
            }
            ReasonCode::LateSubmission => {
                let late = if subtle {
                    self.rng.gen_range(62..80)
                } else {
                    self.rng.gen_range(100..300)
                };
                let category =
                    [Category::Meals, Category::Taxi, Category::Travel][self.rng.gen_range(0..3)];
                let expense =
                    self.working_day(day - Duration::days(late + 10), day - Duration::days(late));
                let mut c = self.claim(e, category, expense);
                c.submitted_at = self.submitted_at(expense + Duration::days(late));
                vec![c]
            }
            ReasonCode::ModelOutlier => {
                // Nothing a single rule sees: a moderately high amount, at a merchant the
                // claimant never used, in a category they rarely claim, submitted slowly.
                let mix = self.employees[e].mix;
                let ci = (0..10)
                    .filter(|&i| mix[i] > 0.0 && i != Category::Telecom.index())
                    .min_by(|&a, &b| mix[a].total_cmp(&mix[b]))
                    .unwrap_or(0);
                let category = SHAPES[ci].category;
                let mut c = self.claim(e, category, day);
                let favourites = &self.employees[e].favourites[ci];
                let others: Vec<&str> = SHAPES[ci]
                    .merchants
                    .iter()
                    .copied()
                    .filter(|m| !favourites.contains(m))
                    .collect();
                if let Some(m) = others.choose(&mut self.rng) {
                    c.merchant = m.to_string();
                }
                let factor = if subtle { 2.2 } else { 3.0 };
                let limit = limit_of(self.policy, category) * 0.9;
                c.amount = ((c.amount * factor).min(limit) * 10.0).round() / 10.0 + 0.2;
                let late = self.rng.gen_range(40..58);
                c.submitted_at = self.submitted_at(c.expense_date + Duration::days(late));
                vec![c]
            }
        }
    }
}
