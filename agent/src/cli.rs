//! The command line of INTERFACES.md §1.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "mishu",
    version,
    about = "mishu (秘書): a self-hosted AI office agent"
)]
pub struct Cli {
    /// More log lines on stderr (-v info, -vv debug). MISHU_LOG overrides.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,

    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

/// Options every command understands.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Where models are stored (default: the user's data directory, mishu/models).
    #[arg(long, env = "MISHU_MODELS_DIR", global = true)]
    pub models_dir: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List, fetch and import models.
    #[command(subcommand)]
    Models(ModelsCommand),
    /// Expense review: fit the anomaly model, score claims, make synthetic claims.
    #[command(subcommand)]
    Expenses(ExpensesCommand),
    /// The HTTP service, with an embedded database in the data directory by default.
    Serve(ServeArgs),
    /// API tokens for the HTTP service.
    #[command(subcommand)]
    Tokens(TokensCommand),
    /// The time words, people and departments found in a text, resolved.
    Parse(ParseArgs),
    /// Speech to text: any common audio file to timestamped text.
    Transcribe(TranscribeArgs),
    /// Who spoke when: the speaker turns of a recording.
    Diarize(DiarizeArgs),
    /// Enrolled voices: voiceprints of directory people, with their consent record,
    /// that name the speakers of transcripts and minutes.
    #[command(subcommand)]
    Voices(VoicesCommand),
    /// Run the local LLM directly (debugging, demos, benchmarks).
    Generate(GenerateArgs),
    /// One spoken or typed instruction to a calendar event, a task or a reminder.
    Command(CommandArgs),
    /// Meeting minutes from a recording or a transcript: summary, decisions, action
    /// items with owners and due dates.
    Minutes(MinutesArgs),
}

#[derive(Debug, Subcommand)]
pub enum ModelsCommand {
    /// Known models, whether each is present, its size and checksum state.
    List {
        /// Print one JSON document instead of a table.
        #[arg(long)]
        json: bool,
        /// Trust the manifests instead of re-hashing every file.
        #[arg(long)]
        no_verify: bool,
    },
    /// Obtain the default models (or the named ones), verify every sha256, convert
    /// Whisper weights to ggml and install them. Does nothing for verified models.
    Fetch {
        /// Catalogue names (`mishu models list`); default: the default models.
        names: Vec<String>,
        /// Weight type of converted Whisper models: f16 or q8_0 (installed as NAME-q8_0).
        #[arg(long, default_value = "f16")]
        quantize: String,
        /// Fetch and install again even when a verified copy is present.
        #[arg(long)]
        force: bool,
        /// Take the wheels from this folder instead of downloading them (offline install).
        #[arg(long, env = "MISHU_WHEELS_DIR")]
        wheels_dir: Option<PathBuf>,
        /// Print one JSON document.
        #[arg(long)]
        json: bool,
    },
    /// Register a model you already have: a whisper.cpp ggml file, a CTranslate2 Whisper
    /// folder, a Hugging Face Whisper folder, or a GGUF LLM (detected from the bytes).
    Import {
        path: PathBuf,
        /// The name to install it under (default: from the file or folder name).
        #[arg(long)]
        name: Option<String>,
        /// Weight type when Whisper weights are converted: f16 or q8_0.
        #[arg(long, default_value = "f16")]
        quantize: String,
        /// Print one JSON document.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on (default 127.0.0.1:8080; MISHU_ADDR, `addr` in mishu.toml).
    #[arg(long)]
    pub addr: Option<std::net::SocketAddr>,
    /// The data directory: mishu.toml, the SQLite database, the first admin token
    /// (default: the user's data directory, mishu).
    #[arg(long, env = "MISHU_DATA_DIR")]
    pub data: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum TokensCommand {
    /// Create a token and print its secret once (only its sha256 is stored).
    Create {
        /// admin, finance, manager, audit or member.
        #[arg(long)]
        role: String,
        /// Who or what the token is for.
        #[arg(long)]
        name: String,
        /// The service's data directory (as for `mishu serve`).
        #[arg(long, env = "MISHU_DATA_DIR")]
        data: Option<PathBuf>,
        /// Print one JSON document.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum VoicesCommand {
    /// Store a person's voiceprint from 10-60 s of their speech, with who consented.
    /// Enrolling again replaces the voiceprint; the consent record keeps both.
    Enroll {
        /// A directory id, or a name or alias of exactly one person.
        person: String,
        /// Recordings of the person alone (any format `transcribe` reads).
        #[arg(required = true)]
        audio: Vec<PathBuf>,
        /// Who gave consent to the voiceprint (default: the person).
        #[arg(long)]
        consent_by: Option<String>,
        /// The company directory (JSON) (default: the one stored in the database).
        #[arg(long)]
        directory: Option<PathBuf>,
        /// The service's data directory (as for `mishu serve`).
        #[arg(long, env = "MISHU_DATA_DIR")]
        data: Option<PathBuf>,
        /// Print one JSON document.
        #[arg(long)]
        json: bool,
    },
    /// The enrolled voices: person, name, seconds of speech, when, consent by whom.
    List {
        #[arg(long, env = "MISHU_DATA_DIR")]
        data: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Delete a person's voiceprint (the consent record notes the removal).
    Remove {
        /// A directory id, or the name the voice was enrolled under.
        person: String,
        #[arg(long, env = "MISHU_DATA_DIR")]
        data: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
pub struct TranscribeArgs {
    /// The recording: WAV, FLAC, MP3, Ogg Vorbis, Opus (Ogg/WebM), M4A/AAC, ALAC, AIFF, CAF, MKV/WebM audio.
    pub audio: PathBuf,
    /// A Whisper model name (`mishu models list`) or the path of a whisper.cpp ggml file
    /// (default: whisper-base-q8_0 when installed, else whisper-base).
    #[arg(long)]
    pub model: Option<String>,
    /// auto (detect among --languages), en, zh, yue (Cantonese: written Cantonese in
    /// Traditional characters; models without a Cantonese token decode it as Chinese
    /// steered by a Cantonese prompt), or any other Whisper language code.
    #[arg(long, default_value = "auto")]
    pub language: String,
    /// The only languages detection may choose, comma-separated Whisper codes.
    #[arg(long, env = "MISHU_LANGUAGES", default_value = inference::whisper::DEFAULT_LANGUAGES)]
    pub languages: String,
    /// json, txt, srt or vtt.
    #[arg(long, default_value = "txt")]
    pub format: String,
    /// Same as --format json.
    #[arg(long)]
    pub json: bool,
    /// CPU threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Parts of the recording decoded at once, threads/workers threads each (default:
    /// one per thread, at most 4).
    #[arg(long)]
    pub workers: Option<usize>,
    /// Decode each part without the previous part's text as context: faster, less
    /// accurate (names and wording are not carried from one 30-s window to the next).
    #[arg(long)]
    pub no_context: bool,
    /// Encode a part shorter than 30 s over a window of its own length (at least 10 s)
    /// instead of padding it to 30 s: about 3× less encoder time for a 5-s voice note.
    /// Voice commands always do this.
    #[arg(long)]
    pub trim_window: bool,
    /// Chinese output script: traditional (Hong Kong forms) or simplified.
    #[arg(long, default_value = "traditional")]
    pub script: String,
    /// Beam search width; 1 is greedy decoding (default: 3 — on the meeting benchmark 1.9
    /// points fewer word errors than greedy for 14% more time).
    #[arg(long)]
    pub beam_size: Option<usize>,
    /// Decode the whole recording, silence included, instead of only the speech found.
    #[arg(long)]
    pub no_vad: bool,
    /// auto (mishu's own engine for greedy decoding, whisper.cpp for beam search and
    /// formats it does not read), native (mishu's engine) or whisper.cpp.
    #[arg(long, default_value = "auto")]
    pub engine: String,
    /// Speaker labels on segments: auto (when the speaker model is installed, with the
    /// number of speakers estimated), N (exactly N speakers) or off.
    #[arg(long, default_value = "auto")]
    pub speakers: String,
    /// The service's data directory whose enrolled voices name the speakers (default:
    /// the user's data directory, when it holds a database).
    #[arg(long, env = "MISHU_DATA_DIR")]
    pub data: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct DiarizeArgs {
    /// The recording (any format `transcribe` reads).
    pub audio: PathBuf,
    /// auto (estimate how many) or N (exactly N speakers).
    #[arg(long, default_value = "auto")]
    pub speakers: String,
    /// json or rttm.
    #[arg(long, default_value = "json")]
    pub format: String,
    /// Same as --format json.
    #[arg(long)]
    pub json: bool,
    /// Cosine similarity above which two voices are one speaker (with --speakers auto;
    /// default: the calibrated value). For tuning on your own recordings.
    #[arg(long)]
    pub threshold: Option<f32>,
    /// The service's data directory whose enrolled voices are matched (default: the
    /// user's data directory, when it holds a database); the JSON gains `voices`.
    #[arg(long, env = "MISHU_DATA_DIR")]
    pub data: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ParseArgs {
    /// The text to read.
    #[arg(long)]
    pub text: String,
    /// The company directory (JSON) to find people and departments in.
    #[arg(long)]
    pub directory: Option<PathBuf>,
    /// The reference time, RFC 3339 (default: now).
    #[arg(long)]
    pub now: Option<String>,
    /// The IANA time zone relative words are resolved in.
    #[arg(long, default_value = "Asia/Hong_Kong")]
    pub tz: String,
    /// Print one JSON document instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum ExpensesCommand {
    /// Fit the anomaly model on past claims and save it.
    Train {
        /// Past claims (CSV, INTERFACES.md §2).
        #[arg(long)]
        history: PathBuf,
        /// Where to write the model file.
        #[arg(long)]
        out: PathBuf,
        /// Policy TOML (default: the built-in policy).
        #[arg(long)]
        policy: Option<PathBuf>,
        /// Seed of the fit: the same history and seed give the same model.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Print one JSON document describing the model.
        #[arg(long)]
        json: bool,
    },
    /// Score new claims against history: risk, level, route and reasons per claim.
    Score {
        /// New claims (CSV).
        #[arg(long)]
        claims: PathBuf,
        /// Past claims to fit a model on now.
        #[arg(long, conflicts_with = "model", required_unless_present = "model")]
        history: Option<PathBuf>,
        /// A model saved by `mishu expenses train`.
        #[arg(long)]
        model: Option<PathBuf>,
        /// Policy TOML (default: the built-in policy).
        #[arg(long)]
        policy: Option<PathBuf>,
        /// Seed of the fit when --history is given.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Print one JSON array instead of a table.
        #[arg(long)]
        json: bool,
        /// Print how long reading, fitting and scoring took (one JSON line on stderr).
        #[arg(long)]
        timings: bool,
    },
    /// Write a synthetic Hong Kong company's claims: DIR/history.csv (18 months, normal)
    /// and DIR/new.csv (one month, with a `label` column naming injected anomalies).
    Synth {
        /// Output directory (created if missing).
        #[arg(long, default_value = ".")]
        out_dir: PathBuf,
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Number of employees.
        #[arg(long, default_value_t = 160)]
        employees: usize,
        /// Share of new claims that are anomalies.
        #[arg(long, default_value_t = 0.08)]
        anomaly_rate: f64,
    },
    /// The features the model sees, as CSV (for comparing with other detectors): of the
    /// history (each claim against the rest), or of new claims with --claims.
    Features {
        #[arg(long)]
        history: PathBuf,
        #[arg(long)]
        claims: Option<PathBuf>,
        #[arg(long)]
        policy: Option<PathBuf>,
    },
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// The user's message (or, with --raw, the whole prompt text).
    #[arg(long)]
    pub prompt: String,
    /// A system message before the prompt.
    #[arg(long)]
    pub system: Option<String>,
    /// A JSON schema file: the output is a JSON document valid against it.
    #[arg(long)]
    pub schema: Option<PathBuf>,
    /// An LLM name (`mishu models list`) or the path of a `.gguf` file.
    #[arg(long, default_value = "qwen2.5-0.5b")]
    pub model: String,
    /// Most tokens to generate.
    #[arg(long, default_value_t = 256)]
    pub max_tokens: usize,
    /// 0 is greedy.
    #[arg(long, default_value_t = 0.0)]
    pub temperature: f32,
    /// Sample only from the most likely tokens whose probability adds up to this.
    #[arg(long, default_value_t = 1.0)]
    pub top_p: f32,
    /// Sample only from this many most likely tokens (0: all).
    #[arg(long, default_value_t = 0)]
    pub top_k: usize,
    /// Penalty for repeating recent tokens (1: none).
    #[arg(long, default_value_t = 1.0)]
    pub repeat_penalty: f32,
    /// Seed of the sampler.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Stop before this text (repeatable).
    #[arg(long)]
    pub stop: Vec<String>,
    /// Context size in tokens (prompt + answer); default: the model's, up to 32,768.
    #[arg(long)]
    pub context: Option<usize>,
    /// Use --prompt as the prompt text as it is, without the model's chat template.
    #[arg(long)]
    pub raw: bool,
    /// Do not stop at the end-of-sequence token (benchmarks of a fixed length).
    #[arg(long)]
    pub ignore_eos: bool,
    /// Print one JSON document (text, token counts, timings, finish_reason).
    #[arg(long)]
    pub json: bool,
    /// With --schema: how the text the schema dictates is fed (off: token by token;
    /// compact: in one step, written compactly; layout: in one step, in the layout the
    /// model has used so far).
    #[arg(long, value_enum, default_value_t = JumpForwardArg::Off)]
    pub jump_forward: JumpForwardArg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum JumpForwardArg {
    Off,
    Compact,
    Layout,
}

#[derive(Debug, Args)]
pub struct MinutesArgs {
    /// A recording (any format `transcribe` reads), a transcript `.txt` of
    /// `Speaker: text` lines, or the JSON of `mishu transcribe`.
    pub input: PathBuf,
    /// The company directory (JSON): owners and speakers are looked up in it.
    #[arg(long)]
    pub directory: Option<PathBuf>,
    /// When the meeting took place, RFC 3339 (default: now): "by Friday" resolves
    /// against it.
    #[arg(long)]
    pub now: Option<String>,
    /// The IANA time zone relative words are resolved in.
    #[arg(long, default_value = "Asia/Hong_Kong")]
    pub tz: String,
    /// Who attended, comma-separated names or directory ids (default: the speakers).
    #[arg(long, value_delimiter = ',')]
    pub attendees: Option<Vec<String>>,
    /// The minutes' title (default: "Meeting minutes" in the meeting's language).
    #[arg(long)]
    pub title: Option<String>,
    /// json or md.
    #[arg(long, default_value = "json")]
    pub format: String,
    /// The LLM (`mishu models list`).
    #[arg(long, default_value = crate::minutes::DEFAULT_MODEL)]
    pub model: String,
    /// The Whisper model for recordings (default: whisper-base-q8_0 when installed).
    #[arg(long)]
    pub speech_model: Option<String>,
    /// The only languages a recording's speech may be detected as, comma-separated
    /// Whisper codes.
    #[arg(long, env = "MISHU_LANGUAGES", default_value = inference::whisper::DEFAULT_LANGUAGES)]
    pub languages: String,
    /// Most transcript tokens the model reads at once.
    #[arg(long, default_value_t = crate::minutes::DEFAULT_CHUNK_TOKENS)]
    pub chunk_tokens: usize,
    /// Skip the second look at single lines that may hold a task or a decision the
    /// first reading missed: faster, finds fewer.
    #[arg(long)]
    pub no_second_look: bool,
    /// Longer recordings are refused (cut them into meetings).
    #[arg(long, default_value_t = crate::minutes::audio::DEFAULT_MAX_AUDIO_HOURS)]
    pub max_audio_hours: f64,
    /// Store the minutes in the service's database and put each owned action item on
    /// its owner's to-do list (processing the same meeting again updates them).
    #[arg(long)]
    pub save: bool,
    /// The service's data directory (as for `mishu serve`), for --save.
    #[arg(long, env = "MISHU_DATA_DIR")]
    pub data: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CommandArgs {
    /// The instruction, typed.
    #[arg(long)]
    pub text: Option<String>,
    /// Or a recording of it (transcribed first; the transcript is in the output).
    pub audio: Option<PathBuf>,
    /// The company directory (JSON) people and departments are resolved against.
    #[arg(long)]
    pub directory: Option<PathBuf>,
    /// The reference time, RFC 3339 (default: now).
    #[arg(long)]
    pub now: Option<String>,
    /// The IANA time zone relative words are resolved in.
    #[arg(long, default_value = "Asia/Hong_Kong")]
    pub tz: String,
    /// Print one JSON document.
    #[arg(long)]
    pub json: bool,
    /// The LLM (`mishu models list`), or `rules` for the rules alone.
    #[arg(long, default_value = crate::commands::command::DEFAULT_MODEL)]
    pub model: String,
    /// The Whisper model for audio (default: as `mishu transcribe`).
    #[arg(long)]
    pub speech_model: Option<String>,
    /// The only languages spoken audio may be detected as, comma-separated Whisper codes.
    #[arg(long, env = "MISHU_LANGUAGES", default_value = inference::whisper::DEFAULT_LANGUAGES)]
    pub languages: String,
    /// Milliseconds the LLM may take before the rules answer instead.
    #[arg(long, default_value_t = 8000)]
    pub timeout_ms: u64,
    /// Store what was understood in the service's database (safe while `mishu serve`
    /// runs): an event on the calendar, a task on the to-do list, or a reminder. The
    /// output gains "id" and "saved" (event, task or reminder). An instruction
    /// understood as `unknown` stores nothing: the output gives the reason; exit 0.
    #[arg(long)]
    pub save: bool,
    /// With --save, store a task or event even when it repeats one already there: an
    /// open task of the same person that says the same, or an event of someone invited
    /// on the same day with a title that means the same ("duplicate_of" names it).
    /// Without this flag such a command stores nothing.
    #[arg(long, requires = "save")]
    pub allow_duplicate: bool,
    /// The service's data directory (as for `mishu serve`). When it holds a database,
    /// "conflicts" is filled from its calendar, with or without --save, and names are
    /// resolved against its directory unless --directory is given.
    #[arg(long, env = "MISHU_DATA_DIR")]
    pub data: Option<PathBuf>,
}
