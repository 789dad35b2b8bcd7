//! Reading a card: find, select, read — each a request frame and its answer, read with a
//! timeout, its length and check byte checked.

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use crate::card::{Card, TEXT_LEN};
use crate::sam::{self, FrameError};

/// What went wrong, in the words the clerk reads.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReaderError {
    #[error("读卡器未连接：{0}")]
    NotConnected(String),
    #[error("未放卡：请将身份证放在读卡器上")]
    NoCard,
    #[error("请重新放卡：读卡器未能读出这张卡")]
    Again,
    #[error("校验错误：读卡器的应答已损坏，请重新放卡")]
    Check,
    #[error("读卡器无应答（{0} 毫秒内）：请检查读卡器的连接")]
    Timeout(u128),
    #[error("读卡器应答无法识别：{0}")]
    Garbled(String),
    #[error("读卡器报告错误（状态码 {0:02X}）")]
    Device(u8),
}

/// Something that reads cards.
pub trait CardReader {
    fn read_card(&mut self) -> Result<Card, ReaderError>;
}

/// A reader speaking the SAM protocol over `port` (a serial port, or a test's pipe).
pub struct SamReader<P> {
    port: P,
    timeout: Duration,
}

impl<P: Read + Write> SamReader<P> {
    pub fn new(port: P, timeout: Duration) -> SamReader<P> {
        SamReader { port, timeout }
    }

    /// One request and its answer: (SW3, data).
    fn exchange(&mut self, command: [u8; 2]) -> Result<(u8, Vec<u8>), ReaderError> {
        let lost = |e: std::io::Error| ReaderError::NotConnected(e.to_string());
        self.port.write_all(&sam::request(command)).map_err(lost)?;
        self.port.flush().map_err(lost)?;
        let started = Instant::now();
        let mut buf = Vec::new();
        let mut chunk = [0u8; 512];
        loop {
            match sam::parse(&buf) {
                Ok((body, _)) if body.len() >= 3 => return Ok((body[2], body[3..].to_vec())),
                Ok(_) => return Err(ReaderError::Garbled("应答过短".into())),
                Err(FrameError::Check) => return Err(ReaderError::Check),
                Err(FrameError::Length(n)) => {
                    return Err(ReaderError::Garbled(format!("长度 {n} 不可能")))
                }
                Err(FrameError::Short) => {}
            }
            if started.elapsed() >= self.timeout {
                return Err(ReaderError::Timeout(self.timeout.as_millis()));
            }
            match self.port.read(&mut chunk) {
                Ok(0) => return Err(ReaderError::NotConnected("读卡器已断开".into())),
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {}
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(lost(e)),
            }
        }
    }

    /// SAM 状态: whether a reader answers on this port.
    pub fn status(&mut self) -> Result<(), ReaderError> {
        match self.exchange(sam::STATUS)?.0 {
            sam::OK => Ok(()),
            other => Err(ReaderError::Device(other)),
        }
    }
}

impl<P: Read + Write> CardReader for SamReader<P> {
    fn read_card(&mut self) -> Result<Card, ReaderError> {
        match self.exchange(sam::FIND)?.0 {
            sam::CARD_FOUND | sam::OK => {}
            sam::NO_CARD => return Err(ReaderError::NoCard),
            sam::BAD_CHECK => return Err(ReaderError::Check),
            other => return Err(ReaderError::Device(other)),
        }
        match self.exchange(sam::SELECT)?.0 {
            sam::OK => {}
            sam::SELECT_FAILED | sam::NO_CARD => return Err(ReaderError::Again),
            other => return Err(ReaderError::Device(other)),
        }
        let (sw, data) = self.exchange(sam::READ)?;
        match sw {
            sam::OK => {}
            sam::READ_FAILED | sam::NO_CARD => return Err(ReaderError::Again),
            other => return Err(ReaderError::Device(other)),
        }
        // Two lengths (text, photo), then the text.
        if data.len() < 4 {
            return Err(ReaderError::Garbled("缺少信息长度".into()));
        }
        let text_len = usize::from(u16::from_be_bytes([data[0], data[1]]));
        if text_len < TEXT_LEN || data.len() < 4 + text_len {
            return Err(ReaderError::Garbled(format!("文字信息长度 {text_len}")));
        }
        Card::from_text(&data[4..4 + text_len]).ok_or(ReaderError::Again)
    }
}

/// How long one answer may take.
pub const TIMEOUT: Duration = Duration::from_secs(2);

/// Opens the reader on `port`, or finds one: the first serial port whose device answers the
/// SAM status request.
pub fn find_reader(
    port: Option<&str>,
) -> Result<SamReader<Box<dyn serialport::SerialPort>>, ReaderError> {
    let open = |path: &str| {
        serialport::new(path, 115_200)
            .timeout(Duration::from_millis(200))
            .open()
            .map(|p| SamReader::new(p, TIMEOUT))
            .map_err(|e| ReaderError::NotConnected(format!("{path}：{e}")))
    };
    if let Some(p) = port {
        return open(p);
    }
    // USB serial adapters only: probing a PC's legacy ports (ttyS*) costs a timeout each.
    let ports: Vec<_> = serialport::available_ports()
        .unwrap_or_default()
        .into_iter()
        .filter(|p| matches!(p.port_type, serialport::SerialPortType::UsbPort(_)))
        .collect();
    for p in &ports {
        if let Ok(mut r) = open(&p.port_name) {
            r.timeout = Duration::from_millis(500);
            if r.status().is_ok() {
                r.timeout = TIMEOUT;
                tracing::info!(port = %p.port_name, "card reader found");
                return Ok(r);
            }
        }
    }
    Err(ReaderError::NotConnected(if ports.is_empty() {
        "本机没有 USB 串口设备，请插好读卡器的 USB 线".into()
    } else {
        format!(
            "{} 个串口上都没有读卡器应答，请在“设置”中指定读卡器端口",
            ports.len()
        )
    }))
}
