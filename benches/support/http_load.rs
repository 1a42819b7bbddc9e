//! A small HTTP/1.1 client over `std::net` for the `api` shape of the harness: keep-alive
//! connections, one thread per connection, requests serialized ahead of time (so a timed
//! interval holds the server's work and the socket round trip, not the client's
//! formatting), responses framed by `Content-Length` or chunked encoding.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// One keep-alive connection.
pub struct Conn {
    addr: SocketAddr,
    writer: TcpStream,
    reader: BufReader<TcpStream>,
}

/// A response: status and body.
pub struct Response {
    pub status: u16,
    pub body: Vec<u8>,
}

impl Conn {
    pub fn open(addr: SocketAddr) -> std::io::Result<Conn> {
        let s = TcpStream::connect_timeout(&addr, Duration::from_secs(5))?;
        s.set_nodelay(true)?;
        s.set_read_timeout(Some(Duration::from_secs(30)))?;
        let reader = BufReader::with_capacity(1 << 16, s.try_clone()?);
        Ok(Conn {
            addr,
            writer: s,
            reader,
        })
    }

    /// Sends the bytes of one request and reads its response.
    pub fn round_trip(&mut self, request: &[u8]) -> std::io::Result<Response> {
        self.writer.write_all(request)?;
        self.read_response()
    }

    /// Opens the connection again (after an error: the server closed it, a timeout).
    pub fn reopen(&mut self) -> std::io::Result<()> {
        *self = Conn::open(self.addr)?;
        Ok(())
    }

    fn read_response(&mut self) -> std::io::Result<Response> {
        let bad = |m: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, m.to_string());
        let mut line = String::new();
        if self.reader.read_line(&mut line)? == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "connection closed",
            ));
        }
        let status: u16 = line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| bad("no status line"))?;
        let (mut length, mut chunked) = (None, false);
        loop {
            line.clear();
            if self.reader.read_line(&mut line)? == 0 {
                return Err(bad("headers cut"));
            }
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            if let Some((k, v)) = l.split_once(':') {
                let v = v.trim();
                if k.eq_ignore_ascii_case("content-length") {
                    length = v.parse::<usize>().ok();
                } else if k.eq_ignore_ascii_case("transfer-encoding") {
                    chunked = v.eq_ignore_ascii_case("chunked");
                }
            }
        }
        let mut body = Vec::new();
        if chunked {
            loop {
                line.clear();
                self.reader.read_line(&mut line)?;
                let size = usize::from_str_radix(line.trim().split(';').next().unwrap_or(""), 16)
                    .map_err(|_| bad("bad chunk size"))?;
                let start = body.len();
                body.resize(start + size, 0);
                self.reader.read_exact(&mut body[start..])?;
                line.clear();
                self.reader.read_line(&mut line)?;
                if size == 0 {
                    break;
                }
            }
        } else if let Some(n) = length {
            body.resize(n, 0);
            self.reader.read_exact(&mut body)?;
        }
        Ok(Response { status, body })
    }
}

/// A GET request's bytes.
pub fn get(path: &str) -> Vec<u8> {
    format!("GET {path} HTTP/1.1\r\nHost: bench\r\nAccept: application/json\r\n\r\n").into_bytes()
}

/// A POST request's bytes with a JSON body.
pub fn post_json(path: &str, body: &str) -> Vec<u8> {
    format!(
        "POST {path} HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// One GET on a new connection.
pub fn get_once(addr: SocketAddr, path: &str) -> std::io::Result<Response> {
    Conn::open(addr)?.round_trip(&get(path))
}

/// What a load run measured.
pub struct Load {
    /// Latency of every completed request (ms), in no particular order.
    pub latencies_ms: Vec<f64>,
    /// Responses that were not 2xx, and requests that failed (I/O), by kind.
    pub non_2xx: usize,
    pub io_errors: usize,
    /// A few of the errors, for the report.
    pub samples: Vec<String>,
    /// From the first request sent to the last response read.
    pub wall: Duration,
    pub bytes: u64,
}

/// `conns` connections, each a thread sending `requests` in turn (each connection starts
/// at its own offset) until `duration` has passed; a first `warmup` is not recorded.
pub fn run(
    addr: SocketAddr,
    requests: &[Vec<u8>],
    conns: usize,
    warmup: Duration,
    duration: Duration,
) -> Load {
    let requests: Arc<Vec<Vec<u8>>> = Arc::new(requests.to_vec());
    let start = Instant::now();
    let record_from = start + warmup;
    let stop = record_from + duration;
    let go = Arc::new(AtomicBool::new(false));
    let threads: Vec<_> = (0..conns)
        .map(|c| {
            let requests = requests.clone();
            let go = go.clone();
            std::thread::spawn(move || {
                let mut out = Load {
                    latencies_ms: Vec::with_capacity(1 << 14),
                    non_2xx: 0,
                    io_errors: 0,
                    samples: Vec::new(),
                    wall: Duration::ZERO,
                    bytes: 0,
                };
                let mut conn = match Conn::open(addr) {
                    Ok(c) => c,
                    Err(e) => {
                        out.io_errors += 1;
                        out.samples.push(format!("connect: {e}"));
                        return (out, None, None);
                    }
                };
                while !go.load(Ordering::Acquire) {
                    std::thread::yield_now();
                }
                let (mut first, mut last) = (None, None);
                let mut i = c * 7919;
                loop {
                    let req = &requests[i % requests.len()];
                    i += 1;
                    let t = Instant::now();
                    if t >= stop {
                        break;
                    }
                    let recording = t >= record_from;
                    if recording && first.is_none() {
                        first = Some(t);
                    }
                    let r = conn.round_trip(req);
                    let done = Instant::now();
                    if !recording {
                        if r.is_err() {
                            let _ = conn.reopen();
                        }
                        continue;
                    }
                    last = Some(done);
                    match r {
                        Ok(resp) => {
                            out.latencies_ms.push((done - t).as_secs_f64() * 1000.0);
                            out.bytes += resp.body.len() as u64;
                            if !(200..300).contains(&resp.status) {
                                out.non_2xx += 1;
                                if out.samples.len() < 3 {
                                    out.samples.push(format!(
                                        "{}: {}",
                                        resp.status,
                                        String::from_utf8_lossy(&resp.body)
                                            .chars()
                                            .take(200)
                                            .collect::<String>()
                                    ));
                                }
                            }
                        }
                        Err(e) => {
                            out.io_errors += 1;
                            if out.samples.len() < 3 {
                                out.samples.push(format!("i/o: {e}"));
                            }
                            if conn.reopen().is_err() {
                                break;
                            }
                        }
                    }
                }
                (out, first, last)
            })
        })
        .collect();
    go.store(true, Ordering::Release);
    let mut all = Load {
        latencies_ms: Vec::new(),
        non_2xx: 0,
        io_errors: 0,
        samples: Vec::new(),
        wall: Duration::ZERO,
        bytes: 0,
    };
    let (mut first, mut last): (Option<Instant>, Option<Instant>) = (None, None);
    for t in threads {
        let Ok((l, f, e)) = t.join() else {
            all.io_errors += 1;
            all.samples.push("a client thread panicked".into());
            continue;
        };
        all.latencies_ms.extend(l.latencies_ms);
        all.non_2xx += l.non_2xx;
        all.io_errors += l.io_errors;
        all.bytes += l.bytes;
        for s in l.samples {
            if all.samples.len() < 5 {
                all.samples.push(s);
            }
        }
        first = match (first, f) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        last = match (last, e) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
    }
    if let (Some(f), Some(l)) = (first, last) {
        all.wall = l - f;
    }
    all
}
