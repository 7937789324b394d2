<?php

declare(strict_types=1);

namespace Libcs\Tests;

use Libcs\Database;

/** A Database that counts its calls, to see the pages. */
final class CountingDatabase extends Database
{
    /** @var list<array<string, mixed>> */
    public array $requests = [];

    public function call(string $method, array $request = []): array
    {
        $this->requests[] = $request;
        return parent::call($method, $request);
    }
}

final class PagingTest extends LibcsTestCase
{
    /** @return list<int> the tickets' ids, oldest first */
    private function tickets(int $customer, int $n): array
    {
        $ids = [];
        for ($i = 1; $i <= $n; $i++) {
            $ids[] = $this->db->ticketCreate(subject: "Ticket $i", customer_id: $customer)['id'];
        }
        return $ids;
    }

    public function testListsArePagedUntilTheLastPage(): void
    {
        $kim = $this->db->customerCreate(name: 'Kim')['id'];
        $ids = $this->tickets($kim, 7);
        $db = new CountingDatabase($this->db->path);
        $seen = array_column(iterator_to_array($db->tickets(['limit' => 3])), 'id');
        $this->assertSame($ids, $seen);
        $this->assertCount(3, $db->requests);
        $this->assertSame(['limit' => 3], $db->requests[0]);
        $this->assertSame(['limit' => 3, 'after' => $ids[2]], $db->requests[1]);
        $this->assertSame(['limit' => 3, 'after' => $ids[5]], $db->requests[2]);

        $descending = array_column(iterator_to_array($db->iterate('ticket.list', ['order' => 'desc', 'limit' => 2])), 'id');
        $this->assertSame(array_reverse($ids), $descending);
        $db->close();
    }

    public function testPagesAreFetchedOnlyAsFarAsRead(): void
    {
        $kim = $this->db->customerCreate(name: 'Kim')['id'];
        $ids = $this->tickets($kim, 5);
        $db = new CountingDatabase($this->db->path);
        foreach ($db->tickets(['limit' => 2]) as $ticket) {
            $this->assertSame($ids[0], $ticket['id']);
            break;
        }
        $this->assertCount(1, $db->requests);
        $db->close();
    }

    public function testFiltersApplyToEveryPage(): void
    {
        $kim = $this->db->customerCreate(name: 'Kim')['id'];
        $lee = $this->db->customerCreate(name: 'Lee')['id'];
        $mine = $this->tickets($kim, 3);
        $this->tickets($lee, 4);
        $seen = iterator_to_array($this->db->tickets(['customer_id' => $kim, 'limit' => 1]));
        $this->assertSame($mine, array_column($seen, 'id'));
        $this->assertSame([$kim], array_unique(array_column($seen, 'customer_id')));
    }

    public function testCustomersAndListsThatDoNotPage(): void
    {
        $names = ['Ana', 'Ben', 'Cem', 'Dara', 'Eli'];
        foreach ($names as $name) {
            $this->db->customerCreate(name: $name);
        }
        $this->assertSame($names, array_column(iterator_to_array($this->db->customers(['limit' => 2])), 'name'));

        $ticket = $this->db->ticketCreate(subject: 'Audit me', customer_id: 1);
        $this->db->ticketUpdate(id: $ticket['id'], priority: 'high');
        $entries = iterator_to_array($this->db->iterate('audit.list', ['ticket_id' => $ticket['id']]));
        $this->assertSame(['create', 'update'], array_column($entries, 'action'));
    }

    public function testOnlyListMethodsIterate(): void
    {
        $this->expectException(\LogicException::class);
        iterator_to_array($this->db->iterate('version'));
    }
}
