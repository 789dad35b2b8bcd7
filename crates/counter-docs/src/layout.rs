//! A small page layout over printpdf's operations: wrapped text measured from the font's own
//! advances, tables that break across pages and repeat their header, boxes, lines, a QR code,
//! and "第 n 页 共 N 页" footers. A4 portrait, millimetres measured from the top-left.

use printpdf::{
    Color, FontId, Line, LinePoint, Mm, Op, PaintMode, ParsedFont, PdfDocument, PdfFontHandle,
    PdfPage, PdfSaveOptions, Point, Polygon, PolygonRing, Pt, Rgb, TextItem, WindingOrder,
};

pub const PAGE_W: f32 = 210.0;
pub const PAGE_H: f32 = 297.0;
pub const MARGIN: f32 = 18.0;
const FOOTER: f32 = 12.0;
const PT_TO_MM: f32 = 25.4 / 72.0;

/// The font, parsed once.
pub struct Font {
    parsed: ParsedFont,
    upm: f32,
}

impl Font {
    pub fn parse(bytes: &[u8]) -> Option<Font> {
        let parsed = ParsedFont::from_bytes(bytes, 0, &mut Vec::new())?;
        let upm = f32::from(parsed.pdf_font_metrics.units_per_em.max(1));
        Some(Font { parsed, upm })
    }

    /// Width of `s` at `size` points, in millimetres. Characters the font lacks count as a
    /// full em, so a line is never laid out narrower than it prints.
    pub fn width(&self, s: &str, size: f32) -> f32 {
        let units: f32 = s
            .chars()
            .map(|c| match self.parsed.lookup_glyph_index(c as u32) {
                Some(g) => f32::from(self.parsed.get_horizontal_advance(g)),
                None => self.upm,
            })
            .sum();
        units / self.upm * size * PT_TO_MM
    }

    /// Whether every character of `s` has a glyph.
    pub fn covers(&self, s: &str) -> bool {
        s.chars().filter(|c| !c.is_whitespace()).all(|c| {
            self.parsed
                .lookup_glyph_index(c as u32)
                .is_some_and(|g| g != 0)
        })
    }

    /// Breaks `s` into lines no wider than `width` mm. Chinese breaks between any two
    /// characters; a run of Latin letters and digits (a case number, a code) stays whole
    /// unless it alone is too wide.
    pub fn wrap(&self, s: &str, size: f32, width: f32) -> Vec<String> {
        let mut lines = Vec::new();
        for para in s.split('\n') {
            let mut line = String::new();
            for token in tokens(para) {
                let candidate = format!("{line}{token}");
                if line.is_empty() || self.width(&candidate, size) <= width {
                    line = candidate;
                    if self.width(&line, size) > width {
                        // One over-long token: break it by characters.
                        let mut cut = String::new();
                        for c in line.chars() {
                            let next = format!("{cut}{c}");
                            if !cut.is_empty() && self.width(&next, size) > width {
                                lines.push(std::mem::take(&mut cut));
                                cut.push(c);
                            } else {
                                cut = next;
                            }
                        }
                        line = cut;
                    }
                } else if NO_LINE_START.contains(&token.as_str()) {
                    // 避头: punctuation never starts a line. The character before it moves
                    // down with it (a Latin run is not split: the mark then hangs).
                    match line.chars().last().filter(|c| !c.is_ascii_alphanumeric()) {
                        Some(last) if line.chars().count() > 1 => {
                            line.pop();
                            lines.push(std::mem::take(&mut line));
                            line = format!("{last}{token}");
                        }
                        _ => line.push_str(&token),
                    }
                } else {
                    lines.push(std::mem::take(&mut line));
                    line = token.trim_start().to_string();
                }
            }
            lines.push(line);
        }
        lines
    }
}

/// What may not begin a line (GB/T 15834 punctuation: closing marks and pauses).
const NO_LINE_START: &[&str] = &[
    "，", "。", "、", "；", "：", "！", "？", "）", "」", "』", "”", "’", "》", "〉", "…", ",",
    ".", ";", ":", ")",
];

/// Latin/digit runs are kept together; every other character is its own token.
fn tokens(s: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut run = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() || c == '-' || c == '.' || c == '*' {
            run.push(c);
        } else {
            if !run.is_empty() {
                out.push(std::mem::take(&mut run));
            }
            out.push(c.to_string());
        }
    }
    if !run.is_empty() {
        out.push(run);
    }
    out
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Center,
}

/// A table column: header, width in mm.
pub struct Column {
    pub header: &'static str,
    pub width: f32,
}

/// A document being laid out: pages of operations and a cursor `y` (mm from the top).
pub struct Layout<'f> {
    font: &'f Font,
    font_id: FontId,
    doc: PdfDocument,
    pages: Vec<Vec<Op>>,
    pub y: f32,
    /// Printed at the top of every continuation page (title and case number).
    running_head: String,
    /// Printed in the top margin of every page (补打 …), when set.
    mark: Option<String>,
}

fn pt(x: f32, y_from_top: f32) -> Point {
    Point::new(Mm(x), Mm(PAGE_H - y_from_top))
}

fn black() -> Color {
    Color::Rgb(Rgb {
        r: 0.0,
        g: 0.0,
        b: 0.0,
        icc_profile: None,
    })
}

fn grey(v: f32) -> Color {
    Color::Rgb(Rgb {
        r: v,
        g: v,
        b: v,
        icc_profile: None,
    })
}

impl<'f> Layout<'f> {
    pub fn new(font: &'f Font, title: &str) -> Layout<'f> {
        let mut doc = PdfDocument::new(title);
        let font_id = doc.add_font(&font.parsed);
        Layout {
            font,
            font_id,
            doc,
            pages: vec![Vec::new()],
            y: MARGIN,
            running_head: String::new(),
            mark: None,
        }
    }

    pub fn set_running_head(&mut self, s: &str) {
        self.running_head = s.to_string();
    }

    fn ops(&mut self) -> &mut Vec<Op> {
        self.pages.last_mut().expect("at least one page")
    }

    /// Starts a new document section (the second copy of a two-copy document) on a fresh
    /// page without the running head.
    pub fn new_section(&mut self) {
        self.running_head.clear();
        self.new_page();
    }

    /// Starts a new page (with the running head).
    pub fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = MARGIN;
        if !self.running_head.is_empty() {
            let head = self.running_head.clone();
            self.text_at(MARGIN, self.y + 4.0, &head, 9.0);
            self.hline(MARGIN, PAGE_W - MARGIN, self.y + 6.0, 0.3);
            self.y += 10.0;
        }
    }

    /// Makes sure `h` mm fit above the footer; breaks the page otherwise.
    pub fn need(&mut self, h: f32) {
        if self.y + h > PAGE_H - MARGIN - FOOTER {
            self.new_page();
        }
    }

    /// Text with its baseline at `y` (mm from the top).
    pub fn text_at(&mut self, x: f32, y: f32, s: &str, size: f32) {
        let font = PdfFontHandle::External(self.font_id.clone());
        self.ops().extend([
            Op::StartTextSection,
            Op::SetFillColor { col: black() },
            Op::SetTextCursor { pos: pt(x, y) },
            Op::SetFont {
                font,
                size: Pt(size),
            },
            Op::ShowText {
                items: vec![TextItem::Text(s.to_string())],
            },
            Op::EndTextSection,
        ]);
    }

    fn line_height(size: f32) -> f32 {
        size * PT_TO_MM * 1.55
    }

    /// A paragraph wrapped to `width` from `x`; advances the cursor.
    pub fn para(&mut self, x: f32, width: f32, s: &str, size: f32, align: Align) {
        let lh = Self::line_height(size);
        for line in self.font.wrap(s, size, width) {
            self.need(lh);
            let w = self.font.width(&line, size);
            let lx = match align {
                Align::Left => x,
                Align::Center => x + (width - w) / 2.0,
            };
            self.text_at(lx, self.y + lh * 0.75, &line, size);
            self.y += lh;
        }
    }

    /// Full-width paragraph between the margins.
    pub fn body(&mut self, s: &str, size: f32) {
        self.para(MARGIN, PAGE_W - 2.0 * MARGIN, s, size, Align::Left);
    }

    pub fn title(&mut self, s: &str) {
        self.para(MARGIN, PAGE_W - 2.0 * MARGIN, s, 20.0, Align::Center);
        self.y += 2.0;
    }

    pub fn gap(&mut self, mm: f32) {
        self.y += mm;
    }

    pub fn hline(&mut self, x1: f32, x2: f32, y: f32, thickness: f32) {
        self.ops().extend([
            Op::SetOutlineColor { col: black() },
            Op::SetOutlineThickness { pt: Pt(thickness) },
            Op::DrawLine {
                line: Line {
                    points: vec![
                        LinePoint {
                            p: pt(x1, y),
                            bezier: false,
                        },
                        LinePoint {
                            p: pt(x2, y),
                            bezier: false,
                        },
                    ],
                    is_closed: false,
                },
            },
        ]);
    }

    fn vline(&mut self, x: f32, y1: f32, y2: f32) {
        self.ops().extend([Op::DrawLine {
            line: Line {
                points: vec![
                    LinePoint {
                        p: pt(x, y1),
                        bezier: false,
                    },
                    LinePoint {
                        p: pt(x, y2),
                        bezier: false,
                    },
                ],
                is_closed: false,
            },
        }]);
    }

    fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, mode: PaintMode) {
        let ring = [(x, y), (x + w, y), (x + w, y + h), (x, y + h)]
            .into_iter()
            .map(|(a, b)| LinePoint {
                p: pt(a, b),
                bezier: false,
            })
            .collect();
        self.ops().push(Op::DrawPolygon {
            polygon: Polygon {
                rings: vec![PolygonRing { points: ring }],
                mode,
                winding_order: WindingOrder::NonZero,
            },
        });
    }

    /// A framed box (seal area, signature area) with a caption inside, top-left.
    pub fn framed(&mut self, x: f32, y: f32, w: f32, h: f32, caption: &str) {
        self.ops().extend([
            Op::SetOutlineColor { col: grey(0.45) },
            Op::SetOutlineThickness { pt: Pt(0.6) },
        ]);
        self.rect(x, y, w, h, PaintMode::Stroke);
        self.text_at(x + 2.5, y + 6.0, caption, 10.0);
    }

    /// Label–value pairs in two columns per row, wrapping values.
    pub fn fields(&mut self, pairs: &[(&str, String)], size: f32) {
        let full = PAGE_W - 2.0 * MARGIN;
        let label_w = 29.0;
        let lh = Self::line_height(size);
        for (label, value) in pairs {
            let lines = self.font.wrap(value, size, full - label_w);
            self.need(lh * lines.len() as f32);
            self.text_at(MARGIN, self.y + lh * 0.75, &format!("{label}："), size);
            for l in lines {
                self.text_at(MARGIN + label_w, self.y + lh * 0.75, &l, size);
                self.y += lh;
            }
        }
    }

    /// A ruled table; long cells wrap, the table breaks across pages and repeats its header.
    pub fn table(&mut self, cols: &[Column], rows: &[Vec<String>], size: f32) {
        let lh = Self::line_height(size);
        let pad = 1.6;
        let x0 = MARGIN;
        let total: f32 = cols.iter().map(|c| c.width).sum();
        let header = |l: &mut Layout| {
            let h = lh + 2.0 * pad;
            l.need(h + lh + 2.0 * pad);
            l.ops().push(Op::SetFillColor { col: grey(0.9) });
            l.rect(x0, l.y, total, h, PaintMode::Fill);
            let mut x = x0;
            for c in cols {
                l.text_at(x + pad, l.y + pad + lh * 0.75, c.header, size);
                x += c.width;
            }
            l.row_rules(cols, l.y, h);
            l.y += h;
        };
        header(self);
        for row in rows {
            let wrapped: Vec<Vec<String>> = cols
                .iter()
                .zip(row)
                .map(|(c, cell)| self.font.wrap(cell, size, c.width - 2.0 * pad))
                .collect();
            let n = wrapped.iter().map(Vec::len).max().unwrap_or(1).max(1);
            let h = n as f32 * lh + 2.0 * pad;
            if self.y + h > PAGE_H - MARGIN - FOOTER {
                self.new_page();
                header(self);
            }
            let mut x = x0;
            for (c, lines) in cols.iter().zip(&wrapped) {
                for (i, line) in lines.iter().enumerate() {
                    self.text_at(x + pad, self.y + pad + lh * (i as f32 + 0.75), line, size);
                }
                x += c.width;
            }
            self.row_rules(cols, self.y, h);
            self.y += h;
        }
        self.y += 2.0;
    }

    fn row_rules(&mut self, cols: &[Column], y: f32, h: f32) {
        let total: f32 = cols.iter().map(|c| c.width).sum();
        self.ops().extend([
            Op::SetOutlineColor { col: black() },
            Op::SetOutlineThickness { pt: Pt(0.5) },
        ]);
        self.hline(MARGIN, MARGIN + total, y, 0.5);
        self.hline(MARGIN, MARGIN + total, y + h, 0.5);
        let mut x = MARGIN;
        self.vline(x, y, y + h);
        for c in cols {
            x += c.width;
            self.vline(x, y, y + h);
        }
    }

    /// A QR code of `data`, `size` mm square, top-left at (x, y).
    pub fn qr(&mut self, x: f32, y: f32, size: f32, data: &str) {
        let Ok(code) = qrcode::QrCode::new(data.as_bytes()) else {
            return;
        };
        let n = code.width();
        let quiet = 2.0;
        let m = size / (n as f32 + 2.0 * quiet);
        let colors = code.to_colors();
        self.ops().push(Op::SetFillColor { col: black() });
        for r in 0..n {
            let mut c = 0;
            while c < n {
                if colors[r * n + c] == qrcode::Color::Dark {
                    let start = c;
                    while c < n && colors[r * n + c] == qrcode::Color::Dark {
                        c += 1;
                    }
                    self.rect(
                        x + (quiet + start as f32) * m,
                        y + (quiet + r as f32) * m,
                        (c - start) as f32 * m,
                        m,
                        PaintMode::Fill,
                    );
                } else {
                    c += 1;
                }
            }
        }
    }

    /// Adds "第 n 页 共 N 页" and `footer` to every page and returns the PDF bytes (font
    /// subset to the glyphs used).
    /// A line in the top margin of every page: a reprint says so (补打) on each sheet.
    pub fn mark_every_page(&mut self, text: &str) {
        self.mark = Some(text.to_string());
    }

    pub fn finish(mut self, footer: &str) -> Vec<u8> {
        let total = self.pages.len();
        let pages = std::mem::take(&mut self.pages);
        let mut out = Vec::with_capacity(total);
        for (i, ops) in pages.into_iter().enumerate() {
            self.pages = vec![ops];
            // Footer text on the upper line, page numbers right-aligned below it.
            let y = PAGE_H - MARGIN + 1.0;
            let footer_lines = self.font.wrap(footer, 8.5, PAGE_W - 2.0 * MARGIN);
            let first = footer_lines.first().cloned().unwrap_or_default();
            self.text_at(MARGIN, y, &first, 8.5);
            let num = format!("第 {} 页 共 {} 页", i + 1, total);
            let w = self.font.width(&num, 8.5);
            self.text_at(PAGE_W - MARGIN - w, y + 4.5, &num, 8.5);
            if let Some(mark) = self.mark.clone() {
                self.text_at(MARGIN, MARGIN - 8.0, &mark, 10.5);
            }
            let ops = self.pages.pop().expect("page");
            out.push(PdfPage::new(Mm(PAGE_W), Mm(PAGE_H), ops));
        }
        let opts = PdfSaveOptions {
            subset_fonts: true,
            ..Default::default()
        };
        self.doc.with_pages(out).save(&opts, &mut Vec::new())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_line_begins_with_punctuation() {
        let font = crate::font();
        let text = "您申请办理的“住院费用报销”事项，经审查，申请材料尚不齐全。现一次性告知您需要补齐的全部材料如下：诊断证明、住院费用清单；补交时请出示本告知书。";
        // Every width from narrow to wide: wherever the breaks fall, a mark never leads.
        for w in (20..120).map(|w| w as f32) {
            let lines = font.wrap(text, 10.5, w);
            assert_eq!(lines.concat(), text, "nothing lost at {w} mm");
            for l in &lines[1..] {
                let first = l.chars().next().map(String::from).unwrap_or_default();
                assert!(
                    !NO_LINE_START.contains(&first.as_str()),
                    "{l:?} at {w} mm: {lines:?}"
                );
            }
        }
    }
}
