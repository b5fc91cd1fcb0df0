"""epoch-ml-hardware: Epoch AI's ML hardware and hardware price databases (June 2025), and a US PPI series.

No runs: three tables. Upstream's chip CSV has one record split over two lines
(the lone field "NVIDIA GeForce RTX 2080 Ti Founders Edition", followed by a
record with an empty name); the loader joins them back into one chip.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from scalewatch.data._loaders._tables import Col, Parsed, curves_frame, parse_dollars, runs_frame, scores_frame
from scalewatch.errors import DataValidationError

NAME = "epoch-ml-hardware"

# upstream column -> (name here, dtype, unit, doc)
_CHIP_FIELDS = (
    ("Hardware name", "hardware_name", "string", "", "chip or board name"),
    ("Manufacturer", "manufacturer", "string", "", "manufacturer"),
    ("Type", "type", "string", "", "CPU, GPU, TPU, ..."),
    ("Release date", "release_date", "datetime64[ns]", "", "release date"),
    ("Release price (USD)", "release_price_usd", "float64", "USD", "launch price"),
    ("FP64 (double precision) performance (FLOP/s)", "fp64_flops", "float64", "FLOP/s", "peak FP64 throughput"),
    ("FP32 (single precision) performance (FLOP/s)", "fp32_flops", "float64", "FLOP/s", "peak FP32 throughput"),
    (
        "FP16 (half precision) performance (FLOP/s)",
        "fp16_flops",
        "float64",
        "FLOP/s",
        "peak FP16 throughput (non-tensor)",
    ),
    ("TF32 (TensorFloat-32) performance (FLOP/s)", "tf32_flops", "float64", "FLOP/s", "peak TF32 tensor throughput"),
    (
        "Tensor-FP16/BF16 performance (FLOP/s)",
        "tensor_fp16_bf16_flops",
        "float64",
        "FLOP/s",
        "peak FP16/BF16 tensor throughput",
    ),
    ("FP8 performance (FLOP/s)", "fp8_flops", "float64", "FLOP/s", "peak FP8 throughput"),
    ("FP4 performance (FLOP/s)", "fp4_flops", "float64", "FLOP/s", "peak FP4 throughput"),
    ("INT16 performance (OP/s)", "int16_ops", "float64", "OP/s", "peak INT16 throughput"),
    ("INT8 performance (OP/s)", "int8_ops", "float64", "OP/s", "peak INT8 throughput"),
    ("INT4 performance (OP/s)", "int4_ops", "float64", "OP/s", "peak INT4 throughput"),
    ("Memory size per board (Byte)", "memory_bytes", "float64", "byte", "memory per board"),
    ("Memory bandwidth (byte/s)", "memory_bandwidth", "float64", "byte/s", "memory bandwidth"),
    (
        "Intranode bandwidth (byte/s)",
        "intranode_bandwidth",
        "float64",
        "byte/s",
        "chip-to-chip bandwidth within a node",
    ),
    ("Internode bandwidth (bit/s)", "internode_bandwidth", "float64", "bit/s", "network bandwidth between nodes"),
    ("Die Size (mm^2)", "die_size_mm2", "float64", "mm^2", "die area"),
    ("TDP (W)", "tdp_w", "float64", "W", "thermal design power"),
    ("Base clock (MHz)", "base_clock_mhz", "float64", "MHz", "base clock"),
    ("Boost clock (MHz)", "boost_clock_mhz", "float64", "MHz", "boost clock"),
    ("Memory clock (MHz)", "memory_clock_mhz", "float64", "MHz", "memory clock"),
    ("Memory bus (bit)", "memory_bus_bits", "float64", "bit", "memory bus width"),
    ("Process size (nm)", "process_nm", "float64", "nm", "process node"),
    ("Foundry", "foundry", "string", "", "foundry"),
    ("Number of transistors (millions)", "transistors_millions", "float64", "millions", "transistor count in millions"),
    (
        "Number of ML models trained",
        "n_ml_models_trained",
        "float64",
        "count",
        "models in Epoch's database trained on it",
    ),
    ("Last modified", "last_modified", "datetime64[ns]", "", "last edit of the record"),
)
CHIP_COLUMNS = tuple(Col(n, d, u, doc, required=(n == "hardware_name")) for _, n, d, u, doc in _CHIP_FIELDS)
PRICE_COLUMNS = (
    Col("hardware_model", "string", "", "hardware priced", required=True),
    Col("manufacturer", "string", "", "manufacturer"),
    Col("price_date", "datetime64[ns]", "", "date of the price"),
    Col("vendor", "string", "", "cloud vendor or seller"),
    Col("location", "string", "", "cloud region"),
    Col("price_per_chip_hour_on_demand", "float64", "USD/h", "on-demand cloud price per chip-hour"),
    Col("price_per_chip_hour_1y_cud", "float64", "USD/h", "1-year committed-use price per chip-hour"),
    Col("price_per_chip_hour_3y_cud", "float64", "USD/h", "3-year committed-use price per chip-hour"),
    Col("price_purchase", "float64", "USD", "hardware purchase price"),
    Col("n_gpus", "float64", "count", "GPUs in the priced unit"),
    Col("cloud_gpu_description", "string", "", "cloud instance description"),
    Col("notes", "string", "", "upstream notes"),
    Col("price_source", "string", "", "URL of the price"),
)
PPI_COLUMNS = (
    Col("date", "datetime64[ns]", "", "month (first day)", required=True),
    Col(
        "index",
        "float64",
        "",
        "PPI 'Data processing, hosting and related services' (PCU518210518210), Dec 2000 = 100",
        required=True,
    ),
)


def _read_chips(path: Path) -> tuple[pd.DataFrame, int]:
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")))
    header, body = rows[0], rows[1:]
    fixed, repaired, i = [], 0, 0
    while i < len(body):
        row = body[i]
        if len(row) == 1 and i + 1 < len(body) and len(body[i + 1]) == len(header) and body[i + 1][0] == "":
            fixed.append([row[0], *body[i + 1][1:]])  # the split record: name on its own line
            repaired += 1
            i += 2
            continue
        if len(row) != len(header):
            raise DataValidationError(
                f"dataset {NAME!r}: chip record {i + 1} has {len(row)} fields, expected {len(header)}"
            )
        fixed.append(row)
        i += 1
    return pd.DataFrame(fixed, columns=header).replace("", pd.NA), repaired


def load(get: Callable[..., Path]) -> Parsed:
    raw, repaired = _read_chips(get("chip_dataset_grid_view.csv"))
    chips = pd.DataFrame({name: raw[upstream] for upstream, name, *_ in _CHIP_FIELDS})
    chips["release_price_usd"] = parse_dollars(raw["Release price (USD)"])
    chips["release_date"] = pd.to_datetime(raw["Release date"], format="%Y-%m-%d")
    chips["last_modified"] = pd.to_datetime(raw["Last modified"], format="%m/%d/%Y %I:%M%p")

    prices_raw = pd.read_csv(get("hardware_prices.csv"), encoding="utf-8-sig")
    prices = pd.DataFrame(
        {
            "hardware_model": prices_raw["Hardware model"],
            "manufacturer": prices_raw["Manufacturer"],
            "price_date": pd.to_datetime(prices_raw["Price date"], format="%Y-%m-%d"),
            "vendor": prices_raw["Vendor"],
            "location": prices_raw["Location"],
            "price_per_chip_hour_on_demand": prices_raw["Price per chip-hour (on-demand)"],
            "price_per_chip_hour_1y_cud": prices_raw["Price per chip-hour (1-year CUD)"],
            "price_per_chip_hour_3y_cud": prices_raw["Price per chip-hour (3-year CUD)"],
            "price_purchase": prices_raw["Price (hardware purchase)"],
            "n_gpus": prices_raw["Number of GPUs"],
            "cloud_gpu_description": prices_raw["Cloud GPU description"],
            "notes": prices_raw["Notes"],
            "price_source": prices_raw["Price source"],
        }
    )
    ppi_raw = pd.read_csv(get("PCU518210518210.csv"))
    ppi = pd.DataFrame(
        {"date": pd.to_datetime(ppi_raw["observation_date"], format="%Y-%m-%d"), "index": ppi_raw["PCU518210518210"]}
    )
    return Parsed(
        runs=runs_frame({}),
        scores=scores_frame(),
        curves=curves_frame(),
        tables={"chips": chips, "prices": prices, "ppi": ppi},
        columns={"chips": CHIP_COLUMNS, "prices": PRICE_COLUMNS, "ppi": PPI_COLUMNS},
        notes=(
            f"{repaired} chip record split over two lines upstream was joined back "
            "(NVIDIA GeForce RTX 2080 Ti Founders Edition)",
            "upstream's computed 'Energy efficiency' field (infinite where TDP is 0) and link/lookup columns "
            "are left out",
            "prices are nominal US dollars; table 'ppi' is the BLS index upstream uses to adjust for inflation",
        ),
    )
