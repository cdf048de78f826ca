// Children return their own error types; the scope's error is built with
// `From`, both for the child's `Err` and for `?` in the body.
use taskgroup::nursery;

#[derive(Debug)]
struct IoError;
#[derive(Debug)]
struct ParseError;

#[derive(Debug)]
enum AppError {
    Io(IoError),
    Parse(ParseError),
}

impl From<IoError> for AppError {
    fn from(error: IoError) -> Self {
        AppError::Io(error)
    }
}

impl From<ParseError> for AppError {
    fn from(error: ParseError) -> Self {
        AppError::Parse(error)
    }
}

async fn read(ok: bool) -> Result<String, IoError> {
    if ok {
        Ok("42".to_owned())
    } else {
        Err(IoError)
    }
}

async fn parse(text: &'static str) -> Result<u32, ParseError> {
    text.parse().map_err(|_| ParseError)
}

#[nursery]
async fn load(ok: bool) -> Result<(String, u32), AppError> {
    let text = spawn!(read(ok));
    let number = spawn!(parse("7"));
    let direct = parse("1").await?;
    Ok((text.await, number.await + direct))
}

#[nursery]
async fn bad_parse() -> Result<u32, AppError> {
    Ok(spawn!(parse("x")).await)
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let (text, number) = load(true).await.unwrap();
    assert_eq!(text, "42");
    assert_eq!(number, 8);
    assert!(matches!(load(false).await, Err(AppError::Io(IoError))));
    assert!(matches!(
        bad_parse().await,
        Err(AppError::Parse(ParseError))
    ));
}
