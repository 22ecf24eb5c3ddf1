//! Genesys Cloud regions: one table for the manifest check and the client.

/// The regions Genesys Cloud documents (REFERENCE §2.2), by AWS region name, with their API
/// bases: what `region:` in `roster.yaml` accepts and where the client then connects.
pub const REGIONS: [(&str, &str); 18] = [
    ("us-east-1", "https://api.mypurecloud.com"),
    ("us-east-2", "https://api.use2.us-gov-pure.cloud"),
    ("us-west-2", "https://api.usw2.pure.cloud"),
    ("ca-central-1", "https://api.cac1.pure.cloud"),
    ("sa-east-1", "https://api.sae1.pure.cloud"),
    ("mx-central-1", "https://api.mxc1.pure.cloud"),
    ("eu-west-1", "https://api.mypurecloud.ie"),
    ("eu-west-2", "https://api.euw2.pure.cloud"),
    ("eu-central-1", "https://api.mypurecloud.de"),
    ("eu-central-2", "https://api.euc2.pure.cloud"),
    ("eusc-de-east-1", "https://api.edee1.eusc-pure.cloud"),
    ("me-central-1", "https://api.mec1.pure.cloud"),
    ("ap-south-1", "https://api.aps1.pure.cloud"),
    ("ap-southeast-1", "https://api.apse1.pure.cloud"),
    ("ap-southeast-2", "https://api.mypurecloud.com.au"),
    ("ap-northeast-1", "https://api.mypurecloud.jp"),
    ("ap-northeast-2", "https://api.apne2.pure.cloud"),
    ("ap-northeast-3", "https://api.apne3.pure.cloud"),
];
