//! Users' own utilization: `PUT` whole, or deleted to fall back to the org's defaults.

use reqwest::Method;
use roster_model::{Email, Utilization};
use serde_json::{Value, json};

use super::{Exec, has_status};
use crate::client::ApiRequest;
use crate::error::GenesysError;
use crate::snapshot::endpoint;

impl Exec<'_> {
    pub(super) async fn utilization(
        &self,
        email: &Email,
        utilization: &Utilization,
    ) -> Result<(), GenesysError> {
        let id = self.user_id(email).await?;
        let path = format!("/api/v2/routing/users/{id}/utilization");
        let request = if utilization.is_empty() {
            ApiRequest::new(Method::DELETE, endpoint::UTILIZATION, path, None)
        } else {
            let media: serde_json::Map<String, Value> = utilization
                .iter()
                .map(|(media, settings)| {
                    let interruptible: Vec<&str> =
                        settings.interruptible.iter().map(|m| m.as_str()).collect();
                    (
                        media.as_str().to_owned(),
                        json!({
                            "maximumCapacity": settings.capacity,
                            "interruptableMediaTypes": interruptible,
                            "includeNonAcd": settings.include_non_acd,
                        }),
                    )
                })
                .collect();
            ApiRequest::new(
                Method::PUT,
                endpoint::UTILIZATION,
                path,
                Some(json!({ "utilization": media })),
            )
        };
        match self.send(request).await {
            Err(error) if utilization.is_empty() && has_status(&error, &[404]) => Ok(()),
            other => other.map(drop),
        }
    }
}
