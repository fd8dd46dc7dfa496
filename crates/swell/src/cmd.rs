//! One module per subcommand. Each exposes `Args` (clap) and `run(Args) -> Result<ExitCode>`.

pub mod check;
pub mod crd;
pub mod decide;
pub mod emulate;
pub mod load;
pub mod query;
pub mod scaled_object;
