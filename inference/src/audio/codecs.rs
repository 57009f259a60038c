//! The audio codecs mishu decodes: symphonia's own, plus Opus through libopus (symphonia
//! has no Opus decoder; Opus is what phones, WhatsApp voice notes and video calls record).

use std::sync::OnceLock;

use symphonia::core::codecs::registry::CodecRegistry;

pub(super) fn registry() -> &'static CodecRegistry {
    static REGISTRY: OnceLock<CodecRegistry> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        let mut registry = CodecRegistry::new();
        symphonia::default::register_enabled_codecs(&mut registry);
        registry.register_audio_decoder::<symphonia_adapter_libopus::OpusDecoder>();
        registry
    })
}
