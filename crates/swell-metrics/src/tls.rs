//! The process-wide rustls crypto provider.
//!
//! swell compiles exactly one provider, aws-lc-rs (reference/rust_stack.md §6). Installing it
//! as the default up front makes every rustls user in the process (reqwest, kube, tests'
//! servers) agree, instead of relying on rustls guessing from compiled-in features.

use std::sync::Once;

/// Installs aws-lc-rs as the default rustls provider, once; a provider someone else installed
/// first is kept.
pub fn install_crypto_provider() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    });
}
