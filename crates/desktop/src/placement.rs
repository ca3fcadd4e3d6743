//! Where the widget goes: a corner of the display at first, then wherever
//! the user dragged it, remembered per display (relative to the display, so
//! that rearranged monitors keep it), and always kept on screen.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Gap between the widget and the display's edge, in logical pixels.
pub const MARGIN: i32 = 16;

/// A display's area in physical pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Area {
    /// Left edge.
    pub x: i32,
    /// Top edge.
    pub y: i32,
    /// Width.
    pub width: u32,
    /// Height.
    pub height: u32,
}

pub use island_core::config::Corner;

/// A name for a display that stays the same across restarts: its
/// connector name and size.
#[must_use]
pub fn display_key(name: Option<&str>, area: Area) -> String {
    format!(
        "{} {}x{}",
        name.unwrap_or("display"),
        area.width,
        area.height
    )
}

/// [`MARGIN`] in physical pixels at `scale`.
#[must_use]
pub fn margin_px(scale: f64) -> i32 {
    #[allow(clippy::cast_possible_truncation)] // a margin of a few dozen pixels
    let margin = (f64::from(MARGIN) * scale).round() as i32;
    margin
}

/// Where the widget's top-left corner goes, in physical pixels.
/// `saved` is relative to the display's origin; `scale` turns the margin
/// into physical pixels.
#[must_use]
pub fn place(
    saved: Option<(i32, i32)>,
    corner: Corner,
    size: (u32, u32),
    area: Area,
    scale: f64,
) -> (i32, i32) {
    let margin = margin_px(scale);
    let (w, h) = (to_i32(size.0), to_i32(size.1));
    let (aw, ah) = (to_i32(area.width), to_i32(area.height));
    // `Auto` is resolved by the tray app, which knows the notification
    // server; one that reaches here anyway is the plain default.
    let (x, y) = saved.unwrap_or(match corner.resolve(None) {
        Corner::Auto | Corner::TopRight => (aw - w - margin, margin),
        Corner::TopLeft => (margin, margin),
        Corner::BottomRight => (aw - w - margin, ah - h - margin),
        Corner::BottomLeft => (margin, ah - h - margin),
    });
    // Kept wholly on the display; a widget larger than the display keeps
    // its top-left corner visible.
    let x = x.min(aw - w).max(0);
    let y = y.min(ah - h).max(0);
    (area.x + x, area.y + y)
}

fn to_i32(v: u32) -> i32 {
    i32::try_from(v).unwrap_or(i32::MAX)
}

/// Where a layer-shell widget sits: the corners and the middles of the
/// edges. A layer surface is anchored, not positioned, so a drag snaps
/// to the nearest of these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spot {
    /// Top left corner.
    TopLeft,
    /// Middle of the top edge.
    Top,
    /// Top right corner.
    TopRight,
    /// Middle of the right edge.
    Right,
    /// Bottom right corner.
    BottomRight,
    /// Middle of the bottom edge.
    Bottom,
    /// Bottom left corner.
    BottomLeft,
    /// Middle of the left edge.
    Left,
}

/// The edges a surface is anchored to: top, bottom, left, right.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Edges {
    /// Anchored to the top edge.
    pub top: bool,
    /// Anchored to the bottom edge.
    pub bottom: bool,
    /// Anchored to the left edge.
    pub left: bool,
    /// Anchored to the right edge.
    pub right: bool,
}

impl Spot {
    const ALL: [Self; 8] = [
        Self::TopLeft,
        Self::Top,
        Self::TopRight,
        Self::Right,
        Self::BottomRight,
        Self::Bottom,
        Self::BottomLeft,
        Self::Left,
    ];

    /// The edges to anchor to (one edge alone centres along it).
    #[must_use]
    pub const fn edges(self) -> Edges {
        let (top, bottom, left, right) = match self {
            Self::TopLeft => (true, false, true, false),
            Self::Top => (true, false, false, false),
            Self::TopRight => (true, false, false, true),
            Self::Right => (false, false, false, true),
            Self::BottomRight => (false, true, false, true),
            Self::Bottom => (false, true, false, false),
            Self::BottomLeft => (false, true, true, false),
            Self::Left => (false, false, true, false),
        };
        Edges {
            top,
            bottom,
            left,
            right,
        }
    }

    /// The spot of a start corner.
    #[must_use]
    pub fn of_corner(corner: Corner) -> Self {
        match corner.resolve(None) {
            Corner::Auto | Corner::TopRight => Self::TopRight,
            Corner::TopLeft => Self::TopLeft,
            Corner::BottomRight => Self::BottomRight,
            Corner::BottomLeft => Self::BottomLeft,
        }
    }

    /// Where a widget of `size` at this spot has its top-left corner,
    /// relative to a display of `area`'s size, `margin` from the edges.
    #[must_use]
    pub fn origin(self, size: (u32, u32), area: (u32, u32), margin: i32) -> (i32, i32) {
        let (w, h) = (to_i32(size.0), to_i32(size.1));
        let (aw, ah) = (to_i32(area.0), to_i32(area.1));
        let e = self.edges();
        let x = match (e.left, e.right) {
            (true, _) => margin,
            (false, true) => aw - w - margin,
            (false, false) => (aw - w) / 2,
        };
        let y = match (e.top, e.bottom) {
            (true, _) => margin,
            (false, true) => ah - h - margin,
            (false, false) => (ah - h) / 2,
        };
        (x, y)
    }

    /// The spot as a point of a 1000x1000 square, as the positions file
    /// keeps it: the same whatever the size of the output or the widget.
    #[must_use]
    pub fn as_point(self) -> (i32, i32) {
        self.origin((0, 0), (1000, 1000), 0)
    }

    /// The spot of a point of [`Spot::as_point`]'s square.
    #[must_use]
    pub fn from_point(at: (i32, i32)) -> Self {
        Self::nearest(at, (0, 0), (1000, 1000), 0)
    }

    /// The positions file's key for a layer-shell widget on `output` (the
    /// configured one; `None`: whichever the compositor picks).
    #[must_use]
    pub fn key(output: Option<&str>) -> String {
        format!("layer-shell {}", output.unwrap_or("focused"))
    }

    /// The spot nearest to a widget of `size` whose top-left corner is at
    /// `at` (relative to a display of `area`'s size): a saved position, or
    /// where a drag let go.
    #[must_use]
    pub fn nearest(at: (i32, i32), size: (u32, u32), area: (u32, u32), margin: i32) -> Self {
        let distance = |spot: Self| {
            let (x, y) = spot.origin(size, area, margin);
            let (dx, dy) = (i64::from(x - at.0), i64::from(y - at.1));
            dx * dx + dy * dy
        };
        Self::ALL
            .into_iter()
            .min_by_key(|spot| distance(*spot))
            .unwrap_or(Self::TopRight)
    }
}

/// Dragged positions, per display, in a small JSON file in the state
/// directory (not the config: it changes with every drag).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Positions {
    /// Display key → position relative to that display.
    pub displays: BTreeMap<String, (i32, i32)>,
}

impl Positions {
    /// The file: `widget-positions.json` in Island's state directory.
    #[must_use]
    pub fn default_path() -> Option<PathBuf> {
        directories::ProjectDirs::from("", "", "island")
            .and_then(|dirs| dirs.state_dir().map(|d| d.join("widget-positions.json")))
    }

    /// Reads the file; a missing or damaged file gives no positions (they
    /// are only a convenience).
    #[must_use]
    pub fn load(path: &Path) -> Self {
        std::fs::read(path)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default()
    }

    /// Remembers the widget at `at` (absolute) on the display `key` with
    /// origin `area`.
    pub fn remember(&mut self, key: String, area: Area, at: (i32, i32)) {
        self.displays.insert(key, (at.0 - area.x, at.1 - area.y));
    }

    /// Writes the file, replacing it atomically.
    ///
    /// # Errors
    /// When the directory cannot be created or the file written.
    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        let dir = path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir)?;
        let mut file = tempfile::NamedTempFile::new_in(dir)?;
        serde_json::to_writer_pretty(&mut file, self)?;
        file.persist(path).map_err(|e| e.error)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FHD: Area = Area {
        x: 1920,
        y: 0,
        width: 1920,
        height: 1080,
    };

    #[test]
    fn corners_respect_the_margin_and_the_display_origin() {
        assert_eq!(
            place(None, Corner::TopRight, (300, 60), FHD, 1.0),
            (1920 + 1920 - 300 - 16, 16)
        );
        assert_eq!(
            place(None, Corner::BottomLeft, (300, 60), FHD, 2.0),
            (1920 + 32, 1080 - 60 - 32)
        );
    }

    #[test]
    fn saved_positions_are_kept_on_screen() {
        assert_eq!(
            place(Some((100, 200)), Corner::TopRight, (300, 60), FHD, 1.0),
            (2020, 200)
        );
        // Dragged past the right and bottom edges.
        assert_eq!(
            place(Some((5000, 5000)), Corner::TopRight, (300, 60), FHD, 1.0),
            (1920 + 1620, 1020)
        );
        assert_eq!(
            place(Some((-50, -50)), Corner::TopRight, (300, 60), FHD, 1.0),
            (1920, 0)
        );
        // Larger than the display: the top-left corner stays visible.
        assert_eq!(
            place(None, Corner::BottomRight, (4000, 2000), FHD, 1.0),
            (1920, 0)
        );
    }

    #[test]
    fn positions_survive_a_round_trip_and_damage() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("state/widget-positions.json");
        let mut positions = Positions::load(&path);
        assert!(positions.displays.is_empty());
        positions.remember(display_key(Some("HDMI-1"), FHD), FHD, (2000, 40));
        positions.save(&path)?;
        let loaded = Positions::load(&path);
        assert_eq!(loaded.displays.get("HDMI-1 1920x1080"), Some(&(80, 40)));
        std::fs::write(&path, b"{not json")?;
        assert_eq!(Positions::load(&path), Positions::default());
        Ok(())
    }

    #[test]
    fn auto_keeps_the_widget_away_from_the_notification_servers_corner() {
        for server in ["dunst", "mako", "xfce4-notifyd", "SwayNotificationCenter"] {
            assert_eq!(
                Corner::Auto.resolve(Some(server)),
                Corner::BottomRight,
                "{server}"
            );
        }
        for server in ["gnome-shell", "Plasma", "something-new"] {
            assert_eq!(
                Corner::Auto.resolve(Some(server)),
                Corner::TopRight,
                "{server}"
            );
        }
        // A corner the user chose stays.
        assert_eq!(Corner::TopLeft.resolve(Some("dunst")), Corner::TopLeft);
    }
    #[test]
    fn layer_shell_spots_anchor_and_snap() {
        let area = (1280, 800);
        let size = (300, 50);
        assert_eq!(Spot::of_corner(Corner::BottomLeft), Spot::BottomLeft);
        assert_eq!(Spot::TopRight.origin(size, area, 16), (964, 16));
        assert_eq!(Spot::Bottom.origin(size, area, 16), (490, 734));
        let e = Spot::Right.edges();
        assert!(e.right && !e.left && !e.top && !e.bottom);
        // A drag let go near each spot lands on it.
        for spot in Spot::ALL {
            let (x, y) = spot.origin(size, area, 16);
            assert_eq!(Spot::nearest((x + 40, y - 30), size, area, 16), spot);
        }
        // Kept as a point of a square, whatever the sizes.
        for spot in Spot::ALL {
            assert_eq!(Spot::from_point(spot.as_point()), spot);
        }
        assert_eq!(Spot::TopRight.as_point(), (1000, 0));
        assert_eq!(Spot::key(Some("DP-1")), "layer-shell DP-1");
        // Off the display: the nearest corner.
        assert_eq!(
            Spot::nearest((-500, 2000), size, area, 16),
            Spot::BottomLeft
        );
    }
}
