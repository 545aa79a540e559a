//! The additional checksums S3 clients send (`x-amz-checksum-<algo>`, base64 of the big-endian
//! digest), computed incrementally while an object streams through.

use base64::Engine;
use md5::Digest;

use crate::error::{S3Error, S3Result};

const CRC32: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC);
const CRC32C: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_ISCSI);
const CRC64NVME: crc::Crc<u64> = crc::Crc::<u64>::new(&crc::CRC_64_NVME);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    Crc32,
    Crc32c,
    Crc64nvme,
    Sha1,
    Sha256,
}

impl Algorithm {
    pub const ALL: [Algorithm; 5] = [Algorithm::Crc32, Algorithm::Crc32c, Algorithm::Crc64nvme, Algorithm::Sha1, Algorithm::Sha256];

    /// From `CRC32`, `crc32`, `x-amz-checksum-crc32`, ...
    pub fn parse(s: &str) -> Option<Algorithm> {
        let s = s.trim().to_ascii_lowercase();
        let s = s.strip_prefix("x-amz-checksum-").unwrap_or(&s);
        Some(match s {
            "crc32" => Algorithm::Crc32,
            "crc32c" => Algorithm::Crc32c,
            "crc64nvme" => Algorithm::Crc64nvme,
            "sha1" => Algorithm::Sha1,
            "sha256" => Algorithm::Sha256,
            _ => return None,
        })
    }

    /// `CRC32`, as in `x-amz-checksum-algorithm` and XML.
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Crc32 => "CRC32",
            Algorithm::Crc32c => "CRC32C",
            Algorithm::Crc64nvme => "CRC64NVME",
            Algorithm::Sha1 => "SHA1",
            Algorithm::Sha256 => "SHA256",
        }
    }

    /// `x-amz-checksum-crc32`.
    pub fn header(self) -> String {
        format!("x-amz-checksum-{}", self.name().to_ascii_lowercase())
    }

    /// `ChecksumCRC32`, the XML element name.
    pub fn xml_element(self) -> String {
        format!("Checksum{}", self.name())
    }
}

/// An incremental digest for one algorithm.
pub enum Hasher {
    Crc32(crc::Digest<'static, u32>),
    Crc32c(crc::Digest<'static, u32>),
    Crc64(crc::Digest<'static, u64>),
    Ring(ring::digest::Context),
}

impl Hasher {
    pub fn new(a: Algorithm) -> Hasher {
        match a {
            Algorithm::Crc32 => Hasher::Crc32(CRC32.digest()),
            Algorithm::Crc32c => Hasher::Crc32c(CRC32C.digest()),
            Algorithm::Crc64nvme => Hasher::Crc64(CRC64NVME.digest()),
            Algorithm::Sha1 => Hasher::Ring(ring::digest::Context::new(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY)),
            Algorithm::Sha256 => Hasher::Ring(ring::digest::Context::new(&ring::digest::SHA256)),
        }
    }

    pub fn update(&mut self, data: &[u8]) {
        match self {
            Hasher::Crc32(d) | Hasher::Crc32c(d) => d.update(data),
            Hasher::Crc64(d) => d.update(data),
            Hasher::Ring(c) => c.update(data),
        }
    }

    /// The base64 of the digest, as S3 writes it.
    pub fn finish(self) -> String {
        let bytes = match self {
            Hasher::Crc32(d) | Hasher::Crc32c(d) => d.finalize().to_be_bytes().to_vec(),
            Hasher::Crc64(d) => d.finalize().to_be_bytes().to_vec(),
            Hasher::Ring(c) => c.finish().as_ref().to_vec(),
        };
        b64(&bytes)
    }
}

pub fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

pub fn b64_decode(s: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::STANDARD.decode(s.trim()).ok()
}

/// MD5 for ETags and `Content-MD5`.
pub struct Md5(md5::Md5);

impl Md5 {
    pub fn new() -> Md5 {
        Md5(md5::Md5::new())
    }
    pub fn update(&mut self, data: &[u8]) {
        self.0.update(data);
    }
    pub fn finish(self) -> [u8; 16] {
        self.0.finalize().into()
    }
}

impl Default for Md5 {
    fn default() -> Self {
        Md5::new()
    }
}

/// Compares a client's checksum with ours.
pub fn expect(algo: Algorithm, sent: &str, computed: &str) -> S3Result<()> {
    if sent.trim() != computed {
        return Err(S3Error::BadDigest(format!("The {} you specified did not match the calculated checksum.", algo.name())));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        // The client's documented example: "hello world" → DUoRhQ==.
        let mut h = Hasher::new(Algorithm::Crc32);
        h.update(b"hello ");
        h.update(b"world");
        assert_eq!(h.finish(), "DUoRhQ==");
        let mut h = Hasher::new(Algorithm::Sha256);
        h.update(b"");
        assert_eq!(h.finish(), "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
        let mut m = Md5::new();
        m.update(b"");
        assert_eq!(hex::encode(m.finish()), "d41d8cd98f00b204e9800998ecf8427e");
        assert_eq!(Algorithm::parse("x-amz-checksum-crc32c"), Some(Algorithm::Crc32c));
    }
}
