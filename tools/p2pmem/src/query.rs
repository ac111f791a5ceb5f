// SPDX-License-Identifier: GPL-2.0

//! Verdicts from the module: `/sys/kernel/debug/p2pmem/query` (write `PROVIDER CLIENT`, read
//! `key=value` lines, see Documentation/ABI/testing/debugfs-p2pmem).
//!
//! The file is a [`Transport`], so the parsing and the retry logic are tested on recorded
//! answers; a regular file cannot play the write-then-read-back part.

use std::{
    fs,
    io::{
        self,
        Write, //
    },
    path::PathBuf,
};

use anyhow::{
    anyhow,
    Result, //
};
use p2pmem_policy::{pci_addr::PciAddr, verdict::MapType};

use crate::sysfs::errno_text;

/// Why the module could not answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AskError {
    /// The query file cannot be used (module not loaded, debugfs not mounted, not root): the
    /// verdict has to be computed instead.
    Unavailable(String),
    /// The module refused the question or failed to answer (errno text).
    Failed(String),
}

/// One question to the module and its answer text.
pub trait Transport {
    /// Asks for the verdict of `client` using `provider`'s memory and returns what the query
    /// file reads back.
    fn ask(&mut self, provider: PciAddr, client: PciAddr) -> Result<String, AskError>;
}

/// The real query file.
#[derive(Clone, Debug)]
pub struct QueryFile {
    path: PathBuf,
}

impl QueryFile {
    /// The query file at `path`.
    pub fn new(path: PathBuf) -> Self {
        Self { path }
    }

    fn unusable(&self, e: &io::Error) -> bool {
        matches!(
            e.kind(),
            io::ErrorKind::NotFound | io::ErrorKind::PermissionDenied
        )
    }
}

impl Transport for QueryFile {
    fn ask(&mut self, provider: PciAddr, client: PciAddr) -> Result<String, AskError> {
        let shown = self.path.display();
        let fail = |e: &io::Error| {
            if self.unusable(e) {
                AskError::Unavailable(format!("{shown}: {}", errno_text(e)))
            } else {
                AskError::Failed(format!("{shown}: {}", errno_text(e)))
            }
        };
        let mut f = fs::OpenOptions::new()
            .write(true)
            .open(&self.path)
            .map_err(|e| fail(&e))?;
        // One write(), as the debugfs store needs.
        let line = format!("{provider} {client}\n");
        let n = f.write(line.as_bytes()).map_err(|e| fail(&e))?;
        if n != line.len() {
            return Err(AskError::Failed(format!("{shown}: short write")));
        }
        drop(f);
        fs::read_to_string(&self.path).map_err(|e| fail(&e))
    }
}

/// The module's answer for one pair.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    /// The provider asked about.
    pub provider: PciAddr,
    /// The client asked about.
    pub client: PciAddr,
    /// How the client maps the provider's memory.
    pub map_type: MapType,
    /// Bridge hops.
    pub distance: u32,
    /// Why.
    pub reason: String,
    /// The path's stable name (`None` from a module that does not print it).
    pub cause: Option<String>,
    /// The host-bridge decision's stable name, when the path goes through the host bridge.
    pub host_bridge: Option<String>,
    /// The change that allows P2P, when it is refused and there is one.
    pub fix: Option<String>,
    /// What the verdict cache held for the pair before the read (what in-kernel users get).
    pub cached: Option<(MapType, u32)>,
}

/// `BUS_ADDR`, `THRU_HOST_BRIDGE` or `NOT_SUPPORTED`.
pub fn parse_map_type(s: &str) -> Option<MapType> {
    [
        MapType::BusAddr,
        MapType::ThruHostBridge,
        MapType::NotSupported,
    ]
    .into_iter()
    .find(|m| m.as_str() == s)
}

/// Parses what the query file reads back. An `error=` line is the module's own complaint.
pub fn parse_answer(text: &str) -> Result<Answer> {
    let mut provider = None;
    let mut client = None;
    let mut map_type = None;
    let mut distance = None;
    let mut reason = None;
    let (mut cause, mut host_bridge, mut fix) = (None, None, None);
    let mut cached_map_type = None;
    let mut cached_distance = None;
    for line in text.lines() {
        let Some((key, value)) = line.split_once('=') else {
            return Err(anyhow!("unexpected line {line:?}"));
        };
        let addr = || PciAddr::parse(value).map_err(|_| anyhow!("bad {key}: {value:?}"));
        match key {
            "error" => return Err(anyhow!("the module says: {value}")),
            "provider" => provider = Some(addr()?),
            "client" => client = Some(addr()?),
            "map_type" => {
                map_type = Some(parse_map_type(value).ok_or_else(|| anyhow!("bad map_type"))?)
            }
            "distance" => distance = Some(value.parse::<u32>()?),
            "reason" => reason = Some(value.to_string()),
            "cause" => cause = Some(value.to_string()),
            "host_bridge" => host_bridge = (value != "none").then(|| value.to_string()),
            "fix" => fix = (value != "none").then(|| value.to_string()),
            "cached_map_type" => {
                cached_map_type = match value {
                    "none" => None,
                    v => Some(parse_map_type(v).ok_or_else(|| anyhow!("bad cached_map_type"))?),
                }
            }
            "cached_distance" => {
                cached_distance = match value {
                    "none" => None,
                    v => Some(v.parse::<u32>()?),
                }
            }
            // Keys added later are not this version's business.
            _ => {}
        }
    }
    let missing = |k: &str| anyhow!("no {k}= line");
    Ok(Answer {
        provider: provider.ok_or_else(|| missing("provider"))?,
        client: client.ok_or_else(|| missing("client"))?,
        map_type: map_type.ok_or_else(|| missing("map_type"))?,
        distance: distance.ok_or_else(|| missing("distance"))?,
        reason: reason.ok_or_else(|| missing("reason"))?,
        cause,
        host_bridge,
        fix,
        cached: cached_map_type.zip(cached_distance),
    })
}

/// How often a question is asked again when another process's question got in between.
const ATTEMPTS: usize = 3;

/// The module's verdicts for `provider` and each client, or `None` when the query file cannot
/// be used at all (so the caller computes them).
pub fn ask_all(
    t: &mut dyn Transport,
    provider: PciAddr,
    clients: &[PciAddr],
) -> Result<Option<Vec<Answer>>> {
    let mut answers = Vec::with_capacity(clients.len());
    for &client in clients {
        let mut answer = None;
        for _ in 0..ATTEMPTS {
            let text = match t.ask(provider, client) {
                Ok(text) => text,
                Err(AskError::Unavailable(_)) if answers.is_empty() => return Ok(None),
                Err(AskError::Unavailable(e) | AskError::Failed(e)) => {
                    return Err(anyhow!("{provider} -> {client}: {e}"))
                }
            };
            let a = parse_answer(&text)
                .map_err(|e| anyhow!("{provider} -> {client}: query file: {e:#}"))?;
            // The last query is shared by all readers: another writer may have come between.
            if a.provider == provider && a.client == client {
                answer = Some(a);
                break;
            }
        }
        let a = answer.ok_or_else(|| {
            anyhow!(
                "{provider} -> {client}: the query file kept answering another question (is \
                 another process using it?)"
            )
        })?;
        answers.push(a);
    }
    Ok(Some(answers))
}

#[cfg(test)]
pub mod tests {
    use super::*;

    /// Recorded in the VM (`switch` topology), as the README shows it.
    pub const SWITCH_03_04: &str = "provider=0000:03:00.0\nclient=0000:04:00.0\n\
        map_type=BUS_ADDR\ndistance=4\n\
        reason=common upstream bridge 0000:01:00.0, no ACS redirect on the path\n\
        cause=common_upstream_bridge\nhost_bridge=none\nfix=none\n\
        cached_map_type=BUS_ADDR\ncached_distance=4\n";

    /// A fake module: answers from a function of the pair, counting questions.
    pub struct Fake<F: FnMut(PciAddr, PciAddr) -> Result<String, AskError>> {
        pub answer: F,
        pub asked: usize,
    }

    impl<F: FnMut(PciAddr, PciAddr) -> Result<String, AskError>> Transport for Fake<F> {
        fn ask(&mut self, provider: PciAddr, client: PciAddr) -> Result<String, AskError> {
            self.asked += 1;
            (self.answer)(provider, client)
        }
    }

    fn a(s: &str) -> PciAddr {
        PciAddr::parse(s).unwrap()
    }

    #[test]
    fn recorded_answers_parse() {
        let ans = parse_answer(SWITCH_03_04).unwrap();
        assert_eq!(ans.provider, a("03:00.0"));
        assert_eq!(ans.client, a("04:00.0"));
        assert_eq!(ans.map_type, MapType::BusAddr);
        assert_eq!(ans.distance, 4);
        assert_eq!(
            ans.reason,
            "common upstream bridge 0000:01:00.0, no ACS redirect on the path"
        );
        assert_eq!(ans.cached, Some((MapType::BusAddr, 4)));

        let rootports = "provider=0000:07:00.0\nclient=0000:08:00.0\nmap_type=NOT_SUPPORTED\n\
            distance=4\nreason=no common upstream bridge and host bridge 8086:29c0 is not \
            allowed; if it routes P2P, allow it: echo 8086:29c0 > \
            /sys/class/p2pmem/host_bridge_allow\ncached_map_type=none\ncached_distance=none\n";
        let ans = parse_answer(rootports).unwrap();
        assert_eq!(ans.map_type, MapType::NotSupported);
        assert_eq!(ans.cached, None);
        assert!(ans
            .reason
            .ends_with("> /sys/class/p2pmem/host_bridge_allow"));
    }

    #[test]
    fn module_errors_and_garbage_are_errors() {
        let e = parse_answer("error=write \"PROVIDER CLIENT\" (PCI addresses) first\n");
        assert!(format!("{:#}", e.unwrap_err()).contains("the module says: write"));
        let e = parse_answer(
            "provider=0000:03:00.0\nclient=0000:04:00.0\nerror=a function of the pair is gone\n",
        );
        assert!(format!("{:#}", e.unwrap_err()).contains("is gone"));
        assert!(parse_answer("provider=0000:03:00.0\n").is_err());
        assert!(parse_answer(&SWITCH_03_04.replace("BUS_ADDR\nd", "MAYBE\nd")).is_err());
        assert!(parse_answer("garbage\n").is_err());
        // Unknown keys are skipped.
        let more = format!("{SWITCH_03_04}future=1\n");
        assert_eq!(parse_answer(&more).unwrap().distance, 4);
    }

    #[test]
    fn an_unusable_file_means_compute() {
        let mut t = Fake {
            answer: |_, _| Err(AskError::Unavailable("no file".into())),
            asked: 0,
        };
        assert_eq!(
            ask_all(&mut t, a("03:00.0"), &[a("04:00.0")]).unwrap(),
            None
        );
    }

    #[test]
    fn a_raced_answer_is_asked_again() {
        let mut first = true;
        let mut t = Fake {
            answer: move |_, _| {
                if std::mem::take(&mut first) {
                    Ok(SWITCH_03_04.replace("04:00.0", "05:00.0"))
                } else {
                    Ok(SWITCH_03_04.to_string())
                }
            },
            asked: 0,
        };
        let got = ask_all(&mut t, a("03:00.0"), &[a("04:00.0")])
            .unwrap()
            .unwrap();
        assert_eq!(got[0].distance, 4);
        assert_eq!(t.asked, 2);

        let mut t = Fake {
            answer: |_, _| Ok(SWITCH_03_04.replace("04:00.0", "05:00.0")),
            asked: 0,
        };
        let e = ask_all(&mut t, a("03:00.0"), &[a("04:00.0")]).unwrap_err();
        assert!(e.to_string().contains("another question"), "{e}");
        assert_eq!(t.asked, ATTEMPTS);
    }

    #[test]
    fn refusals_are_errors() {
        let mut t = Fake {
            answer: |_, _| Err(AskError::Failed("query: No such device (ENODEV)".into())),
            asked: 0,
        };
        let e = ask_all(&mut t, a("03:00.0"), &[a("04:00.0")]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "0000:03:00.0 -> 0000:04:00.0: query: No such device (ENODEV)"
        );
    }
}
