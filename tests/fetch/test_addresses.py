import pytest

from crawler.fetch.addresses import AddressPolicy, parse_allowed_networks


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "192.168.0.10",
        "172.16.5.4",
        "169.254.169.254",
        "::1",
        "fe80::1",
        "::ffff:10.0.0.1",
        "0.0.0.0",
    ],
)
def test_non_public_addresses_are_refused_by_default(address):
    assert AddressPolicy().refusal(address) is not None


@pytest.mark.parametrize("address", ["93.184.215.14", "2606:4700::6810:84e5", "8.8.8.8"])
def test_public_addresses_are_allowed(address):
    assert AddressPolicy().refusal(address) is None


def test_refusal_names_the_kind_of_address():
    assert "link-local" in AddressPolicy().refusal("169.254.169.254")
    assert "loopback" in AddressPolicy().refusal("127.0.0.1")


def test_allow_private_without_ranges_allows_everything():
    assert parse_allowed_networks("") is None
    assert AddressPolicy(parse_allowed_networks("")).refusal("169.254.169.254") is None


def test_allowed_ranges_allow_only_those_ranges():
    policy = AddressPolicy(parse_allowed_networks("127.0.0.1/32, 10.0.0.0/8"))
    assert policy.refusal("127.0.0.1") is None
    assert policy.refusal("10.9.9.9") is None
    assert policy.refusal("127.0.0.2") is not None
    assert policy.refusal("169.254.169.254") is not None


def test_a_name_with_one_private_address_is_refused():
    assert AddressPolicy().first_refusal(["8.8.8.8", "10.0.0.1"]) is not None
    assert AddressPolicy().first_refusal(["8.8.8.8"]) is None


def test_bad_range_is_a_clear_error():
    with pytest.raises(ValueError, match="not an address range"):
        parse_allowed_networks("10.0.0.0/99")


def test_flag_absent_allows_nothing_private():
    assert parse_allowed_networks(None) == ()
