//! The one pager of the console's lists (**Users and licenses**, **Deleted users**, the **Activity
//! log**): where a page starts, carried in its URL so Back and a bookmark find it again, and the
//! links to the next page and, for a pager that goes back, the previous one.
//!
//! A page's place is `after`, the cursor of the last item before it (empty on the first page);
//! a pager that goes back also carries `trail`, the places of the pages before it (`-` for the
//! first), for **Previous**, kept for [`MAX_TRAIL`] pages.

use serde::Deserialize;

use crate::forms::url_encode;

/// How many pages back **Previous** can go, one at a time; further back it leads to the first page.
pub const MAX_TRAIL: usize = 50;

/// A place in a list that a URL can carry.
pub trait Cursor: Sized {
    /// The place as URL text.
    fn encode(&self) -> String;
    /// The place `text` stands for, if it stands for one.
    fn decode(text: &str) -> Option<Self>;
}

/// Where a page starts, as its URL says.
#[derive(Debug, Default, Deserialize)]
pub struct Place {
    /// The cursor the page starts after.
    #[serde(default)]
    after: String,
    /// The places of the pages before it, for **Previous**.
    #[serde(default)]
    trail: String,
}

/// The links of a page of a list whose first page is `base`.
#[derive(Debug)]
pub struct Pager<'a> {
    base: String,
    here: &'a str,
    /// The way back; `None` for a pager that only goes on.
    trail: Option<Vec<&'a str>>,
}

impl<'a> Pager<'a> {
    /// A pager with **Next** and **Previous**.
    pub fn both_ways(base: String, place: &'a Place) -> Self {
        let trail: Vec<&str> = place.trail.split(',').filter(|t| !t.is_empty()).collect();
        let kept = trail[trail.len().saturating_sub(MAX_TRAIL)..].to_vec();
        Self {
            base,
            here: &place.after,
            trail: Some(kept),
        }
    }

    /// A pager that only goes on (**Older**).
    pub fn onward(base: String, place: &'a Place) -> Self {
        Self {
            base,
            here: &place.after,
            trail: None,
        }
    }

    /// Where this page starts, if its URL says (a cursor that does not read starts at the first).
    pub fn after<C: Cursor>(&self) -> Option<C> {
        C::decode(self.here)
    }

    /// The link to the page after `last`, the cursor of this page's last item, if there is one.
    pub fn next<C: Cursor>(&self, last: Option<&C>) -> Option<String> {
        let after = url_encode(&last?.encode());
        Some(match &self.trail {
            None => self.link(&format!("after={after}")),
            Some(trail) => {
                let mut trail = trail.clone();
                trail.push(if self.here.is_empty() { "-" } else { self.here });
                let trail = url_encode(&trail.join(","));
                self.link(&format!("after={after}&trail={trail}"))
            }
        })
    }

    /// The link to the page before this one, unless this is the first (or the pager only goes on).
    pub fn previous(&self) -> Option<String> {
        let trail = self.trail.as_ref()?;
        if self.here.is_empty() {
            return None;
        }
        Some(match trail.split_last() {
            Some((last, rest)) if *last != "-" => self.link(&format!(
                "after={}&trail={}",
                url_encode(last),
                url_encode(&rest.join(","))
            )),
            _ => self.base.clone(),
        })
    }

    /// The first page's link with `query` added.
    fn link(&self, query: &str) -> String {
        let joint = if self.base.contains('?') { '&' } else { '?' };
        format!("{}{joint}{query}", self.base)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq)]
    struct At(u32);

    impl Cursor for At {
        fn encode(&self) -> String {
            self.0.to_string()
        }
        fn decode(text: &str) -> Option<Self> {
            text.parse().ok().map(Self)
        }
    }

    fn place(after: &str, trail: &str) -> Place {
        Place {
            after: after.to_owned(),
            trail: trail.to_owned(),
        }
    }

    #[test]
    fn next_and_previous_walk_the_trail() {
        let first = place("", "");
        let pager = Pager::both_ways("/l?q=a".to_owned(), &first);
        assert_eq!(pager.after::<At>(), None);
        assert_eq!(pager.previous(), None);
        assert_eq!(pager.next(Some(&At(20))).as_deref(), Some("/l?q=a&after=20&trail=-"));
        assert_eq!(pager.next::<At>(None), None);

        let second = place("20", "-");
        let pager = Pager::both_ways("/l?q=a".to_owned(), &second);
        assert_eq!(pager.after(), Some(At(20)));
        assert_eq!(pager.previous().as_deref(), Some("/l?q=a"));
        assert_eq!(
            pager.next(Some(&At(40))).as_deref(),
            Some("/l?q=a&after=40&trail=-%2C20")
        );

        let third = place("40", "-,20");
        let pager = Pager::both_ways("/l".to_owned(), &third);
        assert_eq!(pager.previous().as_deref(), Some("/l?after=20&trail=-"));
    }

    #[test]
    fn the_way_back_is_kept_for_max_trail_pages() {
        let long: Vec<String> = (0..MAX_TRAIL + 5).map(|i| i.to_string()).collect();
        let deep = place("999", &long.join(","));
        let pager = Pager::both_ways("/l".to_owned(), &deep);
        let next = pager.next(Some(&At(1000))).unwrap_or_default();
        assert_eq!(next.matches("%2C").count(), MAX_TRAIL, "{next}");
    }

    #[test]
    fn an_onward_pager_has_no_way_back() {
        let second = place("20", "-");
        let pager = Pager::onward("/activity?user=".to_owned(), &second);
        assert_eq!(pager.previous(), None);
        assert_eq!(pager.next(Some(&At(40))).as_deref(), Some("/activity?user=&after=40"));
    }
}
