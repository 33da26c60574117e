#!/usr/bin/env bash
# plugin.sh - DevStack entry point of Solum (enable_plugin solum <repo>).
# DevStack sources it with the phase: "stack pre-install|install|
# post-config|extra|test-config", "unstack" or "clean".
# shellcheck shell=bash

_XTRACE_SOLUM_PLUGIN=$(set +o | grep xtrace)
set -o xtrace

# shellcheck source=devstack/lib/solum
source "$SOLUM_DIR/devstack/lib/solum"

if is_service_enabled solum-api solum-conductor solum-builder solum-deployer; then
    if [[ "$1" == "stack" && "$2" == "pre-install" ]]; then
        echo_summary "Checking Solum's system packages"
        pre_install_solum

    elif [[ "$1" == "stack" && "$2" == "install" ]]; then
        echo_summary "Installing Solum"
        install_solum

    elif [[ "$1" == "stack" && "$2" == "post-config" ]]; then
        echo_summary "Configuring Solum"
        configure_solum
        create_solum_accounts
        if is_service_enabled horizon; then
            configure_solum_dashboard
        fi

    elif [[ "$1" == "stack" && "$2" == "extra" ]]; then
        echo_summary "Initializing and starting Solum"
        init_solum
        start_solum
        if is_service_enabled horizon; then
            init_solum_dashboard
        fi

    elif [[ "$1" == "stack" && "$2" == "test-config" ]]; then
        if is_service_enabled tempest; then
            echo_summary "Configuring Tempest for Solum"
            configure_tempest_for_solum
        fi
    fi

    if [[ "$1" == "unstack" ]]; then
        stop_solum
    fi

    if [[ "$1" == "clean" ]]; then
        cleanup_solum
        if is_service_enabled horizon; then
            cleanup_solum_dashboard
        fi
    fi
fi

$_XTRACE_SOLUM_PLUGIN
