//! `counter-server`: serve the API, and the administrator's verbs on the same store.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use counter_core::proto::RemoteStatus;
use counter_server::{Central, Keys};

#[derive(Parser)]
#[command(name = "counter-server", version, about = "Counter 中心服务器")]
struct Cli {
    /// The store: sqlite:FILE or postgres://USER:PASSWORD@HOST/DB.
    #[arg(
        long,
        global = true,
        env = "COUNTER_SERVER_DB",
        default_value = "sqlite:counter-server.db"
    )]
    db: String,
    /// The key directory (signing, data and TLS keys), kept apart from the database and
    /// backed up on its own (docs/security.md).
    #[arg(
        long,
        global = true,
        env = "COUNTER_SERVER_KEYS",
        default_value = "counter-server-keys"
    )]
    keys: std::path::PathBuf,
    /// Connections to PostgreSQL this process holds at most (several instances over one
    /// database each hold their own: keep their sum under PostgreSQL's max_connections).
    #[arg(
        long,
        global = true,
        env = "COUNTER_SERVER_DB_POOL",
        default_value_t = counter_server::DB_POOL
    )]
    db_pool: usize,
    /// The authority (PEM) PostgreSQL's certificate is checked against when the database
    /// address says `sslmode=require`; the system's authorities when not given.
    #[arg(long, global = true, env = "COUNTER_SERVER_DB_CA")]
    db_ca: Option<std::path::PathBuf>,
    #[command(subcommand)]
    cmd: Cmd,
}

impl Cli {
    fn db_options(&self) -> counter_server::DbOptions {
        counter_server::DbOptions {
            pool: self.db_pool,
            ca: self.db_ca.clone(),
        }
    }
}

#[derive(Subcommand)]
enum Cmd {
    /// Makes the keys that are missing: signing and data keys, the pilot's certificate
    /// authority and a TLS certificate for the server's host names.
    KeysInit {
        /// A name or address counters reach this server by (repeat for several).
        #[arg(long = "host")]
        hosts: Vec<String>,
        /// Issues the server certificate again (it expires after two years; the pin stays).
        #[arg(long)]
        renew: bool,
    },
    /// Prints what counters pin: the fingerprint in every enrolment pass.
    KeysShow,
    /// Replaces the catalog-signing key, announced under the old one (docs/security.md). Stop
    /// `serve` first and start it again after.
    RotateSigningKey {
        /// The old key may have leaked: no announcement; every counter enrols again.
        #[arg(long)]
        no_announce: bool,
    },
    /// Serves the API.
    Serve {
        #[arg(long, default_value = "127.0.0.1:8750")]
        listen: String,
        /// A load balancer in front of the instances (CIDR, repeat or separate with commas):
        /// the client address it adds to X-Forwarded-For is what the rate limits count.
        /// Nobody else's X-Forwarded-For is believed.
        #[arg(
            long = "trusted-proxy",
            env = "COUNTER_SERVER_TRUSTED_PROXIES",
            value_delimiter = ','
        )]
        trusted_proxies: Vec<counter_server::IpNet>,
        /// Connections served at once; more wait in the listen backlog. Raise the process's
        /// open-files limit (ulimit -n) above it.
        #[arg(
            long,
            env = "COUNTER_SERVER_MAX_CONNECTIONS",
            default_value_t = counter_server::MAX_CONNECTIONS
        )]
        max_connections: usize,
        /// The balancers named by --trusted-proxy are TCP balancers that begin each
        /// connection with a PROXY protocol header (v1 or v2) naming the client.
        #[arg(
            long,
            env = "COUNTER_SERVER_PROXY_PROTOCOL",
            requires = "trusted_proxies"
        )]
        proxy_protocol: bool,
    },
    /// Prints a one-time enrolment code for a point.
    EnrollCode {
        #[arg(long)]
        point: String,
        #[arg(long)]
        level: Option<String>,
        #[arg(long)]
        name: Option<String>,
    },
    /// 审核: --approve (审核中) or --return with a reason.
    Review {
        case_no: String,
        #[arg(long, conflicts_with = "return_")]
        approve: bool,
        #[arg(long = "return")]
        return_: bool,
        #[arg(long)]
        reason: Option<String>,
        #[arg(long, default_value = "中心审核")]
        by: String,
    },
    /// 办结.
    Complete {
        case_no: String,
        #[arg(long, default_value = "中心审核")]
        by: String,
    },
    /// Publishes a catalog edition (TOML) as the next signed version.
    PublishCatalog { file: std::path::PathBuf },
    /// Publishes the holiday calendar (TOML) as the next signed version.
    PublishCalendar { file: std::path::PathBuf },
    /// Lists the same applicant and item opened at two points (for review).
    Flags,
    /// Lists the enrolled devices: id, point, window, name, in service or revoked.
    Devices,
    /// Stops a device (a lost PC).
    Revoke { device: String },
    /// Imports an outbox export from a point without network.
    Import { file: std::path::PathBuf },
    /// The central console's staff (the password from standard input when it is not a
    /// terminal, else asked twice).
    #[command(subcommand)]
    Staff(StaffCmd),
}

#[derive(Subcommand)]
enum StaffCmd {
    /// Adds a member of staff.
    Add {
        name: String,
        /// reviewer (审核员), admin (管理员) or auditor (审计员).
        #[arg(long)]
        role: String,
        /// A reviewer's points, e.g. 3211,3212 (every point when none is named).
        #[arg(long, value_delimiter = ',')]
        points: Vec<String>,
    },
    /// Lists the staff: name, role, points, state.
    List,
    /// Stops an account; its sessions end at once.
    Disable { name: String },
    /// Sets a new password; the account is enabled and unlocked.
    Reset { name: String },
}

fn run(cli: Cli) -> Result<(), String> {
    if let Cmd::KeysInit { hosts, renew } = &cli.cmd {
        let made = counter_server::init_tls(&cli.keys, hosts, *renew).map_err(|e| e.to_string())?;
        // Through the database: one of an earlier version hands over the signing key
        // counters already pin, and the fingerprint printed is the one in use.
        let central = Central::open_with(
            &cli.db,
            Keys::open(&cli.keys).map_err(|e| e.to_string())?,
            &cli.db_options(),
        )
        .map_err(|e| e.to_string())?;
        let keys = central.keys();
        if made.authority {
            println!(
                "已生成证书机构：{}/ca.pem（ca.key 请离线保管）",
                cli.keys.display()
            );
        }
        if made.certificate {
            println!(
                "已签发服务器证书：{}/server.pem（{}）",
                cli.keys.display(),
                hosts.join("、")
            );
        }
        println!("指纹（每个注册码都带有它）：{}", keys.trust().pin());
        return Ok(());
    }
    let keys = Keys::open(&cli.keys).map_err(|e| e.to_string())?;
    let mut central =
        Central::open_with(&cli.db, keys, &cli.db_options()).map_err(|e| e.to_string())?;
    match cli.cmd {
        Cmd::KeysInit { .. } => unreachable!("handled above"),
        Cmd::KeysShow => {
            let trust = central.trust();
            println!("签名公钥：{}", trust.public_key);
            println!(
                "TLS：{}",
                if trust.ca_pem.is_some() {
                    "已启用（计数器钉住 ca.pem）"
                } else {
                    "未启用（只能在本机回环地址上服务）"
                }
            );
            println!("指纹：{}", trust.pin());
            Ok(())
        }
        Cmd::RotateSigningKey { no_announce } => {
            let key = central
                .rotate_signing_key(!no_announce)
                .map_err(|e| e.to_string())?;
            println!("新的签名公钥：{key}");
            println!("新的指纹：{}", central.trust().pin());
            if no_announce {
                println!("未公布新密钥：每台计数器都须用新的注册码重新注册");
            } else {
                println!("已在旧密钥下公布新密钥，计数器下次同步时跟随");
            }
            println!("此前发出而未使用的注册码已作废，请重新发放；现在启动 counter-server serve");
            Ok(())
        }
        Cmd::Serve {
            listen,
            trusted_proxies,
            max_connections,
            proxy_protocol,
        } => {
            let tls = central.trust().ca_pem.is_some();
            let mut central = central
                .trusting_proxies(trusted_proxies)
                .capping_connections(max_connections);
            if proxy_protocol {
                central = central.reading_proxy_protocol();
            }
            let rt = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
            rt.block_on(async {
                let l = tokio::net::TcpListener::bind(&listen)
                    .await
                    .map_err(|e| format!("无法监听 {listen}：{e}"))?;
                let loopback = l.local_addr().map(|a| a.ip().is_loopback()).unwrap_or(false);
                if !tls && !loopback {
                    return Err(format!(
                        "未配置 TLS 证书，不能在 {listen} 上以明文服务：请先运行 counter-server keys-init --host 本服务器的域名或地址（见 docs/security.md）"
                    ));
                }
                eprintln!(
                    "counter-server 在 {listen} 提供服务（{}）",
                    if tls { "HTTPS" } else { "仅本机，明文 HTTP" }
                );
                counter_server::serve(central, l)
                    .await
                    .map_err(|e| e.to_string())
            })
        }
        Cmd::EnrollCode { point, level, name } => {
            println!(
                "{}",
                central
                    .enroll_code(&point, level.as_deref(), name.as_deref())
                    .map_err(|e| e.to_string())?
            );
            Ok(())
        }
        Cmd::Review {
            case_no,
            approve,
            return_,
            reason,
            by,
        } => {
            let status = match (approve, return_) {
                (true, _) => RemoteStatus::InReview,
                (_, true) => RemoteStatus::Returned,
                _ => return Err("请指定 --approve 或 --return".into()),
            };
            central
                .decide(&case_no, status, reason.as_deref(), &by, now())
                .map_err(|e| e.to_string())
        }
        Cmd::Complete { case_no, by } => central
            .decide(&case_no, RemoteStatus::Completed, None, &by, now())
            .map_err(|e| e.to_string()),
        Cmd::PublishCatalog { file } => publish(&central, "catalog", &file),
        Cmd::PublishCalendar { file } => publish(&central, "calendar", &file),
        Cmd::Flags => {
            for (a, b) in central.flags().map_err(|e| e.to_string())? {
                println!("{a}  ↔  {b}");
            }
            Ok(())
        }
        Cmd::Devices => {
            for d in central.devices().map_err(|e| e.to_string())? {
                println!(
                    "{}  网点 {}  {} 号窗口  {}  {}",
                    d.id,
                    d.point,
                    d.window,
                    d.name,
                    match (d.revoked, d.cloned) {
                        (true, _) => "已停用",
                        (false, true) =>
                            "已暂停：两台电脑以此注册上传（数据被复制），请停用后各自重新注册",
                        _ => "使用中",
                    }
                );
            }
            Ok(())
        }
        Cmd::Revoke { device } => central.revoke(&device).map_err(|e| e.to_string()),
        Cmd::Staff(cmd) => staff(&central, cmd),
        Cmd::Import { file } => {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| format!("无法读取 {}：{e}", file.display()))?;
            let r = central.import(&text).map_err(|e| e.to_string())?;
            println!(
                "已导入至序号 {}，拒收 {} 条",
                r.acked_through,
                r.rejected.len()
            );
            Ok(())
        }
    }
}

/// The decision time recorded with 审核, 退回 and 办结: this machine's local time, to the second
/// (counters stamp their own events the same way).
fn staff(central: &Central, cmd: StaffCmd) -> Result<(), String> {
    match cmd {
        StaffCmd::Add { name, role, points } => {
            let role = counter_server::StaffRole::parse(&role).ok_or_else(|| {
                format!("角色“{role}”无效，应为 reviewer（审核员）、admin（管理员）或 auditor（审计员）")
            })?;
            let points = (!points.is_empty()).then_some(points);
            central
                .staff_add(&name, role, points, &password()?)
                .map_err(|e| e.to_string())?;
            println!("已添加{}“{name}”", role.label());
        }
        StaffCmd::List => {
            for m in central.staff_list().map_err(|e| e.to_string())? {
                let points = m.points.map_or("全部网点".into(), |p| p.join(","));
                let locked = m
                    .locked_until
                    .filter(|u| *u > chrono::Utc::now().timestamp())
                    .is_some();
                let state = match (m.disabled, locked) {
                    (true, _) => "已停用",
                    (false, true) => "已锁定（输错密码）",
                    _ => "使用中",
                };
                println!("{}  {}  {points}  {state}", m.name, m.role.label());
            }
        }
        StaffCmd::Disable { name } => {
            central.staff_disable(&name).map_err(|e| e.to_string())?;
            println!("已停用“{name}”，其登录已失效");
        }
        StaffCmd::Reset { name } => {
            central
                .staff_reset(&name, &password()?)
                .map_err(|e| e.to_string())?;
            println!("已为“{name}”设置新密码");
        }
    }
    Ok(())
}

/// A new password: one line of standard input when it is not a terminal (scripts), else asked
/// twice without echo.
fn password() -> Result<String, String> {
    use std::io::IsTerminal;
    if !std::io::stdin().is_terminal() {
        let mut line = String::new();
        std::io::stdin()
            .read_line(&mut line)
            .map_err(|e| format!("无法读取密码：{e}"))?;
        return Ok(line.trim_end_matches(['\r', '\n']).to_string());
    }
    let first = rpassword::prompt_password("新密码：").map_err(|e| format!("无法读取密码：{e}"))?;
    let again =
        rpassword::prompt_password("再输一次：").map_err(|e| format!("无法读取密码：{e}"))?;
    if first != again {
        return Err("两次输入的密码不一致".into());
    }
    Ok(first)
}

fn now() -> chrono::NaiveDateTime {
    chrono::SubsecRound::trunc_subsecs(chrono::Local::now().naive_local(), 0)
}

fn publish(central: &Central, kind: &str, file: &std::path::Path) -> Result<(), String> {
    let text =
        std::fs::read_to_string(file).map_err(|e| format!("无法读取 {}：{e}", file.display()))?;
    let (id, version) = central.publish(kind, &text).map_err(|e| e.to_string())?;
    println!("已发布 {id} 第{version}版（已签名）");
    Ok(())
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("COUNTER_LOG")
                .unwrap_or_else(|_| "warn".into()),
        )
        .init();
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(1)
        }
    }
}
