//! What the examples share: their positional arguments.

/// The first `N` arguments of the command line and the rest of them; `usage` when there are fewer.
pub fn args<const N: usize>(usage: &str) -> Result<([String; N], std::env::Args), String> {
    let mut args = std::env::args();
    args.next(); // the program
    let required: Vec<String> = args.by_ref().take(N).collect();
    let required = required.try_into().map_err(|_| format!("usage: {usage}"))?;
    Ok((required, args))
}
