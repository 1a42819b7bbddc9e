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

/// The envelope of a JSON-RPC message: what [`check`] looks at. The params, result and
/// error are skipped, not built (a 10 000-change notification is parsed once more by the
/// server framework, not three times).
#[derive(serde::Deserialize)]
struct Envelope {
    #[serde(default)]
    jsonrpc: Option<Value>,
    /// `Some(Value::Null)` for `"id": null`, `None` when there is no id.
    #[serde(default, deserialize_with = "present")]
    id: Option<Value>,
    #[serde(default)]
    method: Option<Value>,
    /// `None` when absent or `null`.
    #[serde(default)]
    params: Option<Shape>,
    #[serde(default, deserialize_with = "seen")]
    result: bool,
    #[serde(default, deserialize_with = "seen")]
    error: bool,
}

fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    <Value as serde::Deserialize>::deserialize(d).map(Some)
}

fn seen<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    <serde::de::IgnoredAny as serde::Deserialize>::deserialize(d).map(|_| true)
}

/// Whether a value is a container (object or array), its content skipped.
enum Shape {
    Container,
    Scalar,
}

impl<'de> serde::Deserialize<'de> for Shape {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Shape;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Shape, A::Error> {
                while map
                    .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
                    .is_some()
                {}
                Ok(Shape::Container)
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Shape, A::Error> {
                while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
                Ok(Shape::Container)
            }
            fn visit_bool<E>(self, _: bool) -> Result<Shape, E> {
                Ok(Shape::Scalar)
            }
            fn visit_i64<E>(self, _: i64) -> Result<Shape, E> {
                Ok(Shape::Scalar)
            }
            fn visit_u64<E>(self, _: u64) -> Result<Shape, E> {
                Ok(Shape::Scalar)
            }
            fn visit_f64<E>(self, _: f64) -> Result<Shape, E> {
                Ok(Shape::Scalar)
            }
            fn visit_str<E>(self, _: &str) -> Result<Shape, E> {
                Ok(Shape::Scalar)
            }
        }
        d.deserialize_any(V)
    }
}

/// What to do with one body: pass it on, or answer it here.
fn check(body: &[u8]) -> Result<(), Vec<u8>> {
    let not_json = || {
        error(
            Value::Null,
            PARSE_ERROR,
            "promptls: the message is not valid JSON (UTF-8)",
        )
    };
    if std::str::from_utf8(body).is_err() {
        return Err(not_json());
    }
    if body.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(
            if serde_json::from_slice::<serde::de::IgnoredAny>(body).is_ok() {
                error(
                    Value::Null,
                    INVALID_REQUEST,
                    "promptls: a JSON-RPC message must be an object (batches are not used by LSP)",
                )
            } else {
                not_json()
            },
        );
    }
    let Ok(envelope) = serde_json::from_slice::<Envelope>(body) else {
        return Err(not_json());
    };
    let id = envelope.id.as_ref();
    let id_ok = match id {
        None => true,
        Some(Value::String(_)) => true,
        Some(Value::Number(n)) => n.is_i64() || n.is_u64(),
        Some(Value::Null) => envelope.method.is_none(),
        Some(_) => false,
    };
    let reply_id = if id_ok {
        id.cloned().unwrap_or(Value::Null)
    } else {
        Value::Null
    };
    if envelope.jsonrpc != Some(json!("2.0")) {
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
    match &envelope.method {
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
            if let Some(Shape::Scalar) = envelope.params {
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
        None if id.is_some() && (envelope.result || envelope.error) => Ok(()),
        None => Err(error(
            reply_id,
            INVALID_REQUEST,
            "promptls: a message needs a \"method\", or an \"id\" with a \"result\" or \"error\"",
        )),
    }
}

/// Longest header line read at once (bytes); a longer run without a newline is garbage.
const MAX_LINE: u64 = 64 * 1024;

/// The header that starts every frame, matched without regard to case.
const LENGTH_HEADER: &[u8] = b"content-length";

/// Where `Content-Length` starts in `line` (any case).
fn find_length_header(line: &[u8]) -> Option<usize> {
    line.windows(LENGTH_HEADER.len())
        .position(|w| w.eq_ignore_ascii_case(LENGTH_HEADER))
}

/// `Some((name, value))` when `line` (no line end) is a well-formed `Name: value` header.
fn header(line: &[u8]) -> Option<(&str, &str)> {
    let text = std::str::from_utf8(line).ok()?;
    let (name, value) = text.split_once(':')?;
    let token = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
    token.then_some((name, value))
}

/// The outcome of one header block.
enum Head {
    /// A valid `Content-Length` (bytes of body that follow).
    Length(usize),
    /// A header block whose `Content-Length` is missing or not a number.
    Bad,
}

/// Reads one header block. Bytes that cannot start or continue a header block (stray bytes
/// after a body, a line that is not a header) are skipped up to the next `Content-Length`,
/// which starts a new block: the stream resynchronises there, and each run of skipped bytes
/// is answered once with a parse error on `replies`. `None` at the end of input.
async fn read_head<R: AsyncRead + Unpin>(
    reader: &mut BufReader<R>,
    replies: &UnboundedSender<Vec<u8>>,
) -> Option<Head> {
    let mut length: Option<usize> = None;
    let mut bad = false;
    let mut saw_header = false;
    let mut skipping = false;
    let mut skipped = 0usize;
    let mut carry: Vec<u8> = Vec::new();
    let mut garbage = |skipping: &mut bool, bytes: usize| {
        skipped += bytes;
        if !*skipping {
            *skipping = true;
            let _ = replies.send(error(
                Value::Null,
                PARSE_ERROR,
                "promptls: bytes outside a message were skipped (expected a Content-Length header)",
            ));
        }
    };
    loop {
        let mut line = std::mem::take(&mut carry);
        match (&mut *reader)
            .take(MAX_LINE)
            .read_until(b'\n', &mut line)
            .await
        {
            Ok(0) | Err(_) => return None,
            Ok(_) => {}
        }
        let complete = line.ends_with(b"\n");
        // A Content-Length after other bytes on the line: those bytes, and the block read
        // so far, were not a message.
        if let Some(at) = find_length_header(&line).filter(|at| *at > 0) {
            garbage(&mut skipping, at);
            line.drain(..at);
            (length, bad, saw_header) = (None, false, false);
        }
        if !complete {
            // Keep a tail that could be the start of a split `Content-Length`.
            if find_length_header(&line) == Some(0) && line.len() < MAX_LINE as usize {
                carry = line;
            } else {
                let keep = line.len().min(LENGTH_HEADER.len() - 1);
                garbage(&mut skipping, line.len() - keep);
                carry = line.split_off(line.len() - keep);
                (length, bad, saw_header) = (None, false, false);
            }
            continue;
        }
        let end = line.len() - if line.ends_with(b"\r\n") { 2 } else { 1 };
        let text = &line[..end];
        if text.is_empty() {
            if !saw_header {
                continue;
            }
            if skipped > 0 {
                tracing::warn!(bytes = skipped, "skipped bytes outside a JSON-RPC message");
            }
            return Some(match length.filter(|_| !bad) {
                Some(n) => Head::Length(n),
                None => Head::Bad,
            });
        }
        match header(text) {
            Some((name, value)) => {
                saw_header = true;
                if name.eq_ignore_ascii_case("content-length") {
                    match value.trim().parse::<usize>() {
                        Ok(n) => length = Some(n),
                        Err(_) => bad = true,
                    }
                }
            }
            None => {
                // Not a header: skip it and whatever block it was in.
                garbage(&mut skipping, line.len());
                (length, bad, saw_header) = (None, false, false);
            }
        }
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
        let len = match read_head(&mut reader, &replies).await {
            None => return,
            Some(Head::Length(len)) => len,
            Some(Head::Bad) => {
                let _ = replies.send(error(
                    Value::Null,
                    PARSE_ERROR,
                    "promptls: a header block without a valid Content-Length",
                ));
                continue;
            }
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
        let started = std::time::Instant::now();
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
                if len >= 1 << 16 {
                    tracing::debug!(
                        bytes = len,
                        ms = started.elapsed().as_secs_f64() * 1e3,
                        "large message read and passed on"
                    );
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
///
/// The server's frames are read by a task of their own and handed over whole, so waiting
/// for either source never abandons a frame half read (a `select!` over a partial read
/// would drop the bytes already taken and corrupt the stream).
pub async fn pump_output<R: AsyncRead + Unpin + Send + 'static, W: AsyncWrite + Unpin>(
    from_server: R,
    mut output: W,
    mut replies: tokio::sync::mpsc::UnboundedReceiver<Vec<u8>>,
) {
    let (frames_tx, mut frames) = tokio::sync::mpsc::channel::<Vec<u8>>(64);
    let reader_task = tokio::spawn(async move {
        let mut reader = BufReader::new(from_server);
        while let Some(frame) = read_frame(&mut reader).await {
            if frames_tx.send(frame).await.is_err() {
                return;
            }
        }
    });
    let mut replies_open = true;
    loop {
        let bytes = tokio::select! {
            reply = replies.recv(), if replies_open => match reply {
                Some(bytes) => bytes,
                None => {
                    replies_open = false;
                    continue;
                }
            },
            frame = frames.recv() => match frame {
                Some(bytes) => bytes,
                None => break,
            },
        };
        if output.write_all(&bytes).await.is_err() || output.flush().await.is_err() {
            break;
        }
    }
    reader_task.abort();
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

    /// Replies that arrive while a server frame is only half written never cut into it:
    /// the output is whole frames, each server frame intact and in order.
    #[test]
    fn output_frames_stay_whole_when_replies_interleave() {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let (mut server_out, from_server) = tokio::io::duplex(64);
            let (output, mut collected) = tokio::io::duplex(1 << 20);
            let (replies_tx, replies_rx) = tokio::sync::mpsc::unbounded_channel();
            let pump = tokio::spawn(pump_output(from_server, output, replies_rx));
            let bodies: Vec<String> = (0..20)
                .map(|i| {
                    format!(
                        r#"{{"jsonrpc":"2.0","id":{i},"result":"{}"}}"#,
                        "x".repeat(300)
                    )
                })
                .collect();
            for body in &bodies {
                // Each frame in small pieces, a reply sent between two pieces.
                for (k, piece) in frame(body.as_bytes()).chunks(50).enumerate() {
                    server_out.write_all(piece).await.unwrap();
                    server_out.flush().await.unwrap();
                    if k == 1 {
                        replies_tx
                            .send(error(Value::Null, PARSE_ERROR, "r"))
                            .unwrap();
                    }
                    tokio::task::yield_now().await;
                }
            }
            drop(server_out);
            drop(replies_tx);
            pump.await.unwrap();
            let mut all = Vec::new();
            collected.read_to_end(&mut all).await.unwrap();
            // Read the output back frame by frame.
            let mut reader = BufReader::new(&all[..]);
            let mut server_frames = Vec::new();
            let mut replies = 0;
            while let Some(f) = read_frame(&mut reader).await {
                let text = String::from_utf8(f).unwrap();
                let body = text.split("\r\n\r\n").nth(1).unwrap().to_string();
                let v: Value = serde_json::from_str(&body).expect("a whole JSON body");
                if v.get("error").is_some() {
                    replies += 1;
                } else {
                    server_frames.push(body);
                }
            }
            assert_eq!(server_frames, bodies);
            assert_eq!(replies, 20);
        });
    }
}
