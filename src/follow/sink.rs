//! Where followed log lines go: untouched (`--raw`, pipes) or rendered for a person.

use std::io::Write;

use super::render::{Renderer, Style};

pub trait Sink: Send {
    fn line(&mut self, text: &str);
    /// Push out what is buffered; an error means the reader has gone (closed pipe).
    fn flush(&mut self) -> std::io::Result<()>;
}

/// Buffered stdout (the writer the printer hands out), flushed once per chunk read from the
/// network rather than once per line, so a fast log is not slowed down by a write call per line.
pub struct StdoutSink {
    out: Box<dyn Write + Send>,
    renderer: Option<Renderer>,
    failed: Option<std::io::Error>,
    archive: Option<crate::archive::Writer>,
}

impl StdoutSink {
    pub fn raw(out: Box<dyn Write + Send>) -> Self {
        StdoutSink {
            out,
            renderer: None,
            failed: None,
            archive: None,
        }
    }

    /// Also keep the raw lines in the local archive.
    pub fn with_archive(mut self, writer: Option<crate::archive::Writer>) -> Self {
        self.archive = writer;
        self
    }

    pub fn rendered(out: Box<dyn Write + Send>, style: Style) -> Self {
        StdoutSink {
            renderer: Some(Renderer::new(style)),
            ..StdoutSink::raw(out)
        }
    }

    fn write(&mut self, text: &str) {
        if self.failed.is_some() {
            return;
        }
        if let Err(e) = self
            .out
            .write_all(text.as_bytes())
            .and_then(|()| self.out.write_all(b"\n"))
        {
            self.failed = Some(e);
        }
    }
}

impl Sink for StdoutSink {
    fn line(&mut self, text: &str) {
        if let Some(a) = &mut self.archive {
            a.line(text);
        }
        match &mut self.renderer {
            None => self.write(text),
            Some(r) => {
                if let Some(shown) = r.line(text) {
                    self.write(&shown);
                }
            }
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if let Some(a) = &mut self.archive {
            a.flush();
        }
        if let Some(e) = self.failed.take() {
            self.failed = Some(std::io::Error::new(e.kind(), e.to_string()));
            return Err(e);
        }
        self.out.flush()
    }
}
