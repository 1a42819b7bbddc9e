//! Where log events go besides stderr: a sink the language server installs while it runs,
//! so warnings reach the editor as `window/logMessage`. Neutral ground between the faces:
//! the CLI sets up logging with [`ClientLogLayer`], the server fills it with
//! [`set_client_sink`]; neither imports the other.

use std::sync::OnceLock;

use tokio::sync::mpsc::UnboundedSender;

/// One forwarded event: its level (WARN or ERROR) and its text.
pub type ClientLogEvent = (tracing::Level, String);

static CLIENT_LOG: OnceLock<UnboundedSender<ClientLogEvent>> = OnceLock::new();

/// Installs the sink events are forwarded to. Returns `false` (and changes nothing) when a
/// sink is already installed: there is one per process.
pub fn set_client_sink(tx: UnboundedSender<ClientLogEvent>) -> bool {
    CLIENT_LOG.set(tx).is_ok()
}

/// A `tracing` layer that forwards events (the caller filters them to WARN and above) to
/// the sink of [`set_client_sink`], as `promptls: message key=value …`. Does nothing while
/// no sink is installed (outside the server).
pub struct ClientLogLayer;

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for ClientLogLayer {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        let Some(tx) = CLIENT_LOG.get() else { return };
        struct Fields(String);
        impl tracing::field::Visit for Fields {
            fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
                if field.name() == "message" {
                    self.0.insert_str(0, &format!("{value:?} "));
                } else {
                    self.0.push_str(&format!("{}={value:?} ", field.name()));
                }
            }
        }
        let mut f = Fields(String::new());
        event.record(&mut f);
        let _ = tx.send((
            *event.metadata().level(),
            format!("promptls: {}", f.0.trim_end()),
        ));
    }
}
