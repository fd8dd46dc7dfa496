//! A throwaway PKI for TLS tests: a CA, a server certificate for 127.0.0.1, a client
//! certificate, and a second CA that signed nothing (to prove unknown CAs are refused).

// Shared by several test crates, each of which uses only a part.
#![allow(dead_code)]

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};

/// PEM material for one test run.
pub struct Pki {
    /// The CA that signed the server and client certificates.
    pub ca: String,
    /// A CA that signed nothing here.
    pub other_ca: String,
    /// Server certificate for 127.0.0.1 and localhost.
    pub server_cert: String,
    /// Its key.
    pub server_key: String,
    /// Client certificate.
    pub client_cert: String,
    /// Its key.
    pub client_key: String,
}

fn ca(name: &str) -> CertifiedIssuer<'static, KeyPair> {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap()
}

fn leaf(
    issuer: &CertifiedIssuer<'static, KeyPair>,
    names: &[&str],
    usage: ExtendedKeyUsagePurpose,
) -> (String, String) {
    let key = KeyPair::generate().unwrap();
    let mut params =
        CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>()).unwrap();
    params.distinguished_name.push(DnType::CommonName, names[0]);
    params.extended_key_usages = vec![usage];
    let cert = params.signed_by(&key, issuer).unwrap();
    (cert.pem(), key.serialize_pem())
}

/// Generates fresh material.
pub fn generate() -> Pki {
    let ca_issuer = ca("swell test CA");
    let (server_cert, server_key) = leaf(
        &ca_issuer,
        &["127.0.0.1", "localhost"],
        ExtendedKeyUsagePurpose::ServerAuth,
    );
    let (client_cert, client_key) = leaf(
        &ca_issuer,
        &["swell-client"],
        ExtendedKeyUsagePurpose::ClientAuth,
    );
    Pki {
        ca: ca_issuer.pem(),
        other_ca: ca("unrelated CA").pem(),
        server_cert,
        server_key,
        client_cert,
        client_key,
    }
}
