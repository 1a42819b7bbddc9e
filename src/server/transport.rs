//! The stdio transport guard (Q-2): frames are read here and checked before they reach
//! tower-lsp-server, whose reader stops at the first body it cannot decode. A malformed
//! body gets a JSON-RPC error (`id: null`) and the server goes on; a request for an
//! unknown `$/` method gets MethodNotFound (LSP 3.17 "$ Notifications and Requests").
//! Everything the server writes, and these errors, go to stdout one whole frame at a time.

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::mpsc::UnboundedSender;

/// Largest body accepted (bytes); larger ones are answered with an error and skipped.
const MAX_BODY: usize = 256 * 1024 * 1024;

/// JSON-RPC error codes.
const PARSE_ERROR: i64 = -32700;
const INVALID_REQUEST: i64 = -32600;
const METHOD_NOT_FOUND: i64 = -32601;

fn frame(body: &[u8]) -> Vec<u8> {
    let mut out = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    out.extend_from_slice(body);
    out
}

fn error(id: Value, code: i64, message: &str) -> Vec<u8> {
    frame(
        json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}})
            .to_string()
            .as_bytes(),
    )
}

/// What to do with one body: pass it on, or answer it here.
fn check(body: &[u8]) -> Result<(), Vec<u8>> {
    let Ok(v) = serde_json::from_slice::<Value>(body) else {
        return Err(error(
            Value::Null,
            PARSE_ERROR,
            "promptls: the message is not valid JSON (UTF-8)",
        ));
    };
    let Some(obj) = v.as_object() else {
        return Err(error(
            Value::Null,
            INVALID_REQUEST,
            "promptls: a JSON-RPC message must be an object (batches are not used by LSP)",
        ));
    };
    let id = obj.get("id");
    let id_ok = match id {
        None => true,
        Some(Value::String(_)) => true,
        Some(Value::Number(n)) => n.is_i64() || n.is_u64(),
        Some(Value::Null) => obj.get("method").is_none(),
        Some(_) => false,
    };
    let reply_id = if id_ok {
        id.cloned().unwrap_or(Value::Null)
    } else {
        Value::Null
    };
    if obj.get("jsonrpc") != Some(&json!("2.0")) {
        return Err(error(
            reply_id,
            INVALID_REQUEST,
            "promptls: \"jsonrpc\" must be \"2.0\"",
        ));
    }
    if !id_ok {
        return Err(error(
            Value::Null,
            INVALID_REQUEST,
            "promptls: \"id\" must be an integer or a string",
        ));
    }
    match obj.get("method") {
        Some(Value::String(m)) => {
            if m.starts_with("$/")
                && id.is_some()
                && !matches!(
                    m.as_str(),
                    "$/cancelRequest" | "$/progress" | "$/setTrace" | "$/logTrace"
                )
            {
                return Err(error(
                    reply_id,
                    METHOD_NOT_FOUND,
                    &format!("promptls: unknown method {m}"),
                ));
            }
            if let Some(p) = obj.get("params")
                && !(p.is_object() || p.is_array() || p.is_null())
            {
                return Err(error(
                    reply_id,
                    INVALID_REQUEST,
                    "promptls: \"params\" must be an object or an array",
                ));
            }
            Ok(())
        }
        Some(_) => Err(error(
            reply_id,
            INVALID_REQUEST,
            "promptls: \"method\" must be a string",
        )),
        // A response to one of our requests.
        None if id.is_some() && (obj.contains_key("result") || obj.contains_key("error")) => Ok(()),
        None => Err(error(
            reply_id,
            INVALID_REQUEST,
            "promptls: a message needs a \"method\", or an \"id\" with a \"result\" or \"error\"",
        )),
    }
}

/// Reads frames from `input`, forwards the sound ones to `to_server`, answers the rest on
/// `replies`. Returns at the end of input (closing `to_server` ends the server).
pub async fn pump_input<R: AsyncRead + Unpin, W: AsyncWrite + Unpin>(
    input: R,
    mut to_server: W,
    replies: UnboundedSender<Vec<u8>>,
) {
    let mut reader = BufReader::new(input);
    loop {
        let mut length: Option<usize> = None;
        let mut bad_header = false;
        let mut saw_any = false;
        loop {
            let mut line = Vec::new();
            match reader.read_until(b'\n', &mut line).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            let text = String::from_utf8_lossy(&line);
            let text = text.trim_end_matches(['\r', '\n']);
            if text.is_empty() {
                if saw_any {
                    break;
                }
                continue;
            }
            saw_any = true;
            if let Some((name, value)) = text.split_once(':') {
                if name.trim().eq_ignore_ascii_case("content-length") {
                    match value.trim().parse::<usize>() {
                        Ok(n) => length = Some(n),
                        Err(_) => bad_header = true,
                    }
                }
            } else {
                bad_header = true;
            }
        }
        let Some(len) = length.filter(|_| !bad_header) else {
            let _ = replies.send(error(
                Value::Null,
                PARSE_ERROR,
                "promptls: a header block without a valid Content-Length",
            ));
            continue;
        };
        if len > MAX_BODY {
            let _ = replies.send(error(
                Value::Null,
                INVALID_REQUEST,
                "promptls: message too large",
            ));
            let mut sink = (&mut reader).take(len as u64);
            if tokio::io::copy(&mut sink, &mut tokio::io::sink())
                .await
                .is_err()
            {
                return;
            }
            continue;
        }
        let mut body = vec![0; len];
        if reader.read_exact(&mut body).await.is_err() {
            return;
        }
        match check(&body) {
            Ok(()) => {
                if to_server.write_all(&frame(&body)).await.is_err()
                    || to_server.flush().await.is_err()
                {
                    return;
                }
            }
            Err(reply) => {
                tracing::warn!(bytes = body.len(), "answered a malformed JSON-RPC message");
                let _ = replies.send(reply);
            }
        }
    }
}

/// Copies the server's frames and the guard's replies to `output`, whole frames only.
pub async fn pump_output<R: AsyncRead + Unpin, W: AsyncWrite + Unpin>(
    from_server: R,
    mut output: W,
    mut replies: tokio::sync::mpsc::UnboundedReceiver<Vec<u8>>,
) {
    let mut reader = BufReader::new(from_server);
    let mut replies_open = true;
    loop {
        tokio::select! {
            reply = replies.recv(), if replies_open => match reply {
                Some(bytes) => {
                    if output.write_all(&bytes).await.is_err() || output.flush().await.is_err() {
                        return;
                    }
                }
                None => replies_open = false,
            },
            frame = read_frame(&mut reader) => match frame {
                Some(bytes) => {
                    if output.write_all(&bytes).await.is_err() || output.flush().await.is_err() {
                        return;
                    }
                }
                None => return,
            },
        }
    }
}

/// One whole frame (headers and body) of the server's own, well-formed output.
async fn read_frame<R: AsyncRead + Unpin>(reader: &mut BufReader<R>) -> Option<Vec<u8>> {
    let mut head = Vec::new();
    let mut length = 0usize;
    loop {
        let mut line = Vec::new();
        if reader.read_until(b'\n', &mut line).await.ok()? == 0 {
            return None;
        }
        head.extend_from_slice(&line);
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end();
        if text.is_empty() {
            break;
        }
        if let Some((name, value)) = text.split_once(':')
            && name.trim().eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().ok()?;
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).await.ok()?;
    head.extend_from_slice(&body);
    Some(head)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_messages() {
        assert!(check(br#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}"#).is_ok());
        assert!(check(br#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#).is_ok());
        assert!(check(br#"{"jsonrpc":"2.0","id":"a","result":null}"#).is_ok());
        assert!(
            check(br#"{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":1}}"#).is_ok()
        );
        for bad in [
            &b"{x}"[..],
            b"[]",
            b"null",
            b"",
            br#"{"jsonrpc":"2.0","id":1.5,"method":"x"}"#,
            br#"{"jsonrpc":"1.0","id":7,"method":"x"}"#,
        ] {
            assert!(check(bad).is_err(), "{}", String::from_utf8_lossy(bad));
        }
        let reply = check(br#"{"jsonrpc":"2.0","id":4,"method":"$/unknown"}"#).unwrap_err();
        let text = String::from_utf8(reply).unwrap();
        assert!(
            text.contains("-32601") && text.contains("\"id\":4"),
            "{text}"
        );
    }
}
