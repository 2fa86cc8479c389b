"""Counts read as English (and Spanish) do: "1 request", never "1 requests"."""


def test_one_request_is_singular_and_two_are_plural(as_):
    lee = as_("lee")
    one = lee.get("/requests?status=withdrawn").get_data(as_text=True)
    assert "1 request<" in one or "1 request " in one
    assert "1 requests" not in one
    many = lee.get("/requests").get_data(as_text=True)
    assert " requests" in many and "1 requests" not in many
