//! Receiving an upload body into a file as it streams: decodes `aws-chunked` framing (signed or
//! unsigned, with trailing checksums), verifies chunk signatures and the signed payload hash, and
//! computes MD5 (the ETag) and the requested checksum on the way. Memory stays flat whatever the
//! object size: only one network frame is held at a time.

use axum::body::Body;
use bytes::{Buf, BytesMut};
use futures_util::StreamExt;
use tokio::io::AsyncWriteExt;

use crate::checksum::{Algorithm, Hasher, Md5};
use crate::error::{S3Error, S3Result};
use crate::sigv4::ChunkSigner;

/// How the payload is framed and protected (from `x-amz-content-sha256`).
pub enum Payload {
    Unsigned,
    /// The hex SHA-256 the client signed.
    Sha256(String),
    /// `aws-chunked`; with a signer when the chunks are signed.
    Chunked {
        signer: Option<ChunkSigner>,
    },
}

/// What arrived.
pub struct Received {
    pub size: u64,
    pub md5: [u8; 16],
    /// The requested checksum's base64 value.
    pub checksum: Option<(Algorithm, String)>,
    /// Checksums the client sent in the aws-chunked trailer.
    pub trailer: Vec<(String, String)>,
}

/// Limits a single object body (S3's single PUT maximum).
pub const MAX_SINGLE_PUT: u64 = 5 * 1024 * 1024 * 1024;

/// Streams `body` into `out`, returning sizes and digests once the whole body has been checked.
pub async fn receive<W: tokio::io::AsyncWrite + Unpin>(body: Body, payload: Payload, checksum: Option<Algorithm>, out: &mut W) -> S3Result<Received> {
    let mut sink = Sink {
        out,
        size: 0,
        md5: Md5::new(),
        checksum: checksum.map(|a| (a, Hasher::new(a))),
        sha: None,
    };
    let expected_sha = match &payload {
        Payload::Sha256(h) => {
            sink.sha = Some(ring::digest::Context::new(&ring::digest::SHA256));
            Some(h.to_lowercase())
        }
        _ => None,
    };
    let mut stream = body.into_data_stream();
    let mut trailer = Vec::new();
    match payload {
        Payload::Chunked { signer } => {
            let mut dec = Chunked {
                buf: BytesMut::new(),
                state: State::Header,
                signer,
                chunk_sha: None,
                done: false,
            };
            while let Some(frame) = stream.next().await {
                let frame = frame.map_err(|_| S3Error::IncompleteBody)?;
                dec.buf.extend_from_slice(&frame);
                dec.drain(&mut sink, &mut trailer).await?;
            }
            dec.drain(&mut sink, &mut trailer).await?;
            if !dec.done {
                return Err(S3Error::IncompleteBody);
            }
        }
        _ => {
            while let Some(frame) = stream.next().await {
                let frame = frame.map_err(|_| S3Error::IncompleteBody)?;
                sink.write(&frame).await?;
            }
        }
    }
    sink.out.flush().await?;
    if sink.size > MAX_SINGLE_PUT {
        return Err(S3Error::InvalidArgument("Your proposed upload exceeds the maximum allowed size".into()));
    }
    if let (Some(want), Some(ctx)) = (expected_sha, sink.sha.take()) {
        if hex::encode(ctx.finish()) != want {
            return Err(S3Error::BadDigest("The provided 'x-amz-content-sha256' header does not match what was computed.".into()));
        }
    }
    Ok(Received {
        size: sink.size,
        md5: sink.md5.finish(),
        checksum: sink.checksum.map(|(a, h)| (a, h.finish())),
        trailer,
    })
}

struct Sink<'a, W> {
    out: &'a mut W,
    size: u64,
    md5: Md5,
    checksum: Option<(Algorithm, Hasher)>,
    sha: Option<ring::digest::Context>,
}

impl<W: tokio::io::AsyncWrite + Unpin> Sink<'_, W> {
    async fn write(&mut self, data: &[u8]) -> S3Result<()> {
        self.size += data.len() as u64;
        if self.size > MAX_SINGLE_PUT {
            return Err(S3Error::InvalidArgument("Your proposed upload exceeds the maximum allowed size".into()));
        }
        self.md5.update(data);
        if let Some((_, h)) = &mut self.checksum {
            h.update(data);
        }
        if let Some(s) = &mut self.sha {
            s.update(data);
        }
        self.out.write_all(data).await?;
        Ok(())
    }
}

enum State {
    /// Waiting for `<hex-size>[;chunk-signature=<sig>]\r\n`.
    Header,
    /// Inside a chunk: bytes left, and its signature.
    Data { left: usize, signature: Option<String> },
    /// The `\r\n` after a chunk's data.
    DataEnd { signature: Option<String> },
    /// After the zero-length chunk: trailer lines until an empty line (or the end).
    Trailer,
}

struct Chunked {
    buf: BytesMut,
    state: State,
    signer: Option<ChunkSigner>,
    chunk_sha: Option<ring::digest::Context>,
    done: bool,
}

fn take_line(buf: &mut BytesMut) -> S3Result<Option<String>> {
    match buf.windows(2).position(|w| w == b"\r\n") {
        Some(i) => {
            let line = String::from_utf8(buf[..i].to_vec()).map_err(|_| S3Error::InvalidRequest("malformed aws-chunked framing".into()))?;
            buf.advance(i + 2);
            Ok(Some(line))
        }
        None if buf.len() > 4096 => Err(S3Error::InvalidRequest("malformed aws-chunked framing".into())),
        None => Ok(None),
    }
}

impl Chunked {
    async fn drain<W: tokio::io::AsyncWrite + Unpin>(&mut self, sink: &mut Sink<'_, W>, trailer: &mut Vec<(String, String)>) -> S3Result<()> {
        let bad = || S3Error::InvalidRequest("malformed aws-chunked framing".into());
        loop {
            match &mut self.state {
                State::Header => {
                    if self.done {
                        return Ok(());
                    }
                    let Some(line) = take_line(&mut self.buf)? else { return Ok(()) };
                    let (size, ext) = line.split_once(';').unwrap_or((&line, ""));
                    let size = usize::from_str_radix(size.trim(), 16).map_err(|_| bad())?;
                    let signature = ext.trim().strip_prefix("chunk-signature=").map(String::from);
                    if self.signer.is_some() && signature.is_none() {
                        return Err(S3Error::SignatureDoesNotMatch("missing chunk-signature".into()));
                    }
                    if self.signer.is_some() {
                        self.chunk_sha = Some(ring::digest::Context::new(&ring::digest::SHA256));
                    }
                    if size == 0 {
                        self.finish_chunk(signature)?;
                        self.state = State::Trailer;
                    } else {
                        self.state = State::Data { left: size, signature };
                    }
                }
                State::Data { left, signature } => {
                    if self.buf.is_empty() {
                        return Ok(());
                    }
                    let n = (*left).min(self.buf.len());
                    let part = self.buf.split_to(n);
                    if let Some(c) = &mut self.chunk_sha {
                        c.update(&part);
                    }
                    sink.write(&part).await?;
                    *left -= n;
                    if *left == 0 {
                        self.state = State::DataEnd { signature: signature.take() };
                    }
                }
                State::DataEnd { signature } => {
                    if self.buf.len() < 2 {
                        return Ok(());
                    }
                    if &self.buf[..2] != b"\r\n" {
                        return Err(bad());
                    }
                    self.buf.advance(2);
                    let sig = signature.take();
                    self.finish_chunk(sig)?;
                    self.state = State::Header;
                }
                State::Trailer => {
                    let Some(line) = take_line(&mut self.buf)? else {
                        // Some clients end the body right after the last trailer line.
                        if self.buf.is_empty() {
                            self.done = true;
                        }
                        return Ok(());
                    };
                    if line.is_empty() {
                        self.done = true;
                        self.state = State::Header;
                        return Ok(());
                    }
                    let (name, value) = line.split_once(':').ok_or_else(bad)?;
                    let (name, value) = (name.trim().to_ascii_lowercase(), value.trim().to_string());
                    if name == "x-amz-trailer-signature" {
                        if let Some(signer) = &mut self.signer {
                            let canonical: String = trailer.iter().map(|(k, v): &(String, String)| format!("{k}:{v}\n")).collect();
                            signer.verify_trailer(&canonical, &value)?;
                        }
                    } else {
                        trailer.push((name, value));
                    }
                    self.done = true;
                }
            }
        }
    }

    fn finish_chunk(&mut self, signature: Option<String>) -> S3Result<()> {
        if let (Some(signer), Some(ctx)) = (&mut self.signer, self.chunk_sha.take()) {
            signer.verify_chunk(ctx.finish().as_ref(), signature.as_deref().unwrap_or(""))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn decodes_unsigned_chunks_with_trailer() {
        let body = "5\r\nhello\r\n6\r\n world\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n";
        let mut out = Vec::new();
        let r = receive(Body::from(body), Payload::Chunked { signer: None }, Some(Algorithm::Crc32), &mut out).await.unwrap();
        assert_eq!(out, b"hello world");
        assert_eq!(r.size, 11);
        assert_eq!(r.checksum.unwrap().1, "DUoRhQ==");
        assert_eq!(r.trailer, vec![("x-amz-checksum-crc32".to_string(), "DUoRhQ==".to_string())]);
        let mut out = Vec::new();
        assert!(receive(Body::from("5\r\nhel"), Payload::Chunked { signer: None }, None, &mut out).await.is_err());
    }

    #[tokio::test]
    async fn checks_signed_payload_hash() {
        let mut out = Vec::new();
        let good = hex::encode(auth::crypto::sha256(b"abc"));
        assert!(receive(Body::from("abc"), Payload::Sha256(good.clone()), None, &mut out).await.is_ok());
        let mut out = Vec::new();
        assert!(receive(Body::from("abd"), Payload::Sha256(good), None, &mut out).await.is_err());
    }
}
