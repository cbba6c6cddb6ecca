use humanitec_tokeninfo::clients::humanitec_tokeninfo::{Client, Credentials, DEFAULT_BASE_URL};

fn main() {
    // Credentials carry the bearer token; there is no default without one.
    let _ = Client::new(DEFAULT_BASE_URL, Credentials::default(), None);
}
