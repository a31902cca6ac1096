//! Reading one HTTP/1.1 answer off any byte stream (plain TCP or TLS), for the attack and TLS
//! clients of the tests, the soak bench and `examples/auth_attack.rs`.

use tokio::io::{AsyncRead, AsyncReadExt};

/// Reads one answer (head and `Content-Length` body): its status, `None` when the connection
/// closed first or the head is not HTTP.
pub async fn read_status<S: AsyncRead + Unpin>(stream: &mut S) -> Option<u16> {
    let mut buf = Vec::with_capacity(512);
    let mut chunk = [0u8; 16 * 1024];
    let head_end = loop {
        if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break p + 4;
        }
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
    let status = head.get(9..12)?.parse().ok()?;
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    let mut have = buf.len() - head_end;
    while have < length {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => have += n,
        }
    }
    Some(status)
}
