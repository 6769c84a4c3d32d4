//! TLS of the server loop (`serve --tls-cert/--tls-key`): rustls on aws-lc-rs, the crypto
//! provider jsonwebtoken and sqlx use too, serving HTTP/1.1 only.

use std::sync::Arc;

use anyhow::Context as _;
pub use rustls::ServerConfig;
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// The TLS configuration of a certificate chain and its private key, both PEM (the key PKCS#8,
/// PKCS#1 or SEC1): TLS 1.2 and 1.3, ALPN `http/1.1`.
pub fn server_config(cert_chain_pem: &[u8], key_pem: &[u8]) -> anyhow::Result<Arc<ServerConfig>> {
    let chain = CertificateDer::pem_slice_iter(cert_chain_pem)
        .collect::<Result<Vec<_>, _>>()
        .context("failed to read the certificate chain (PEM)")?;
    anyhow::ensure!(!chain.is_empty(), "the certificate file holds no certificate (PEM)");
    let key = PrivateKeyDer::from_pem_slice(key_pem).context("failed to read the private key (PEM)")?;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .context("failed to set the TLS protocol versions")?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .context("the private key does not match the certificate, or is not usable")?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}
